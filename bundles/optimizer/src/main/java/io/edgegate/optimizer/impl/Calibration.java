package io.edgegate.optimizer.impl;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * Runs the FP32 model in ONNX Runtime with chosen intermediate values exposed as extra graph outputs, and hands each
 * value of each calibration sample to a visitor. Several passes may be made over the same samples (percentiles need
 * the range first). Owns one session (and its options), closed by {@link #close()}; each sample's input tensors and
 * results are closed as soon as the visitor has seen them.
 */
final class Calibration implements AutoCloseable {

    /** Sees one value of one sample; the buffer is only valid during the call. */
    @FunctionalInterface
    interface Visitor {
        void visit(String tensor, FloatBuffer values, long[] shape);
    }

    private final String recipe;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Map<String, NodeInfo> inputs;
    private final GraphProto graph;
    private final CalibrationInputs samples;
    private final Set<String> tensors;
    private boolean closed;

    private Calibration(String recipe, OrtSession session, GraphProto graph, CalibrationInputs samples,
            Set<String> tensors) throws OrtException {
        this.recipe = recipe;
        this.session = session;
        this.inputs = session.getInputInfo();
        this.graph = graph;
        this.samples = samples;
        this.tensors = tensors;
    }

    /** A session over {@code model} with the FLOAT values {@code tensors} as outputs. */
    static Calibration open(String recipe, ModelProto model, Set<String> tensors, CalibrationInputs samples)
            throws RecipeException {
        ModelProto.Builder augmented = model.toBuilder();
        Set<String> outputs = new HashSet<>();
        for (ValueInfoProto v : model.getGraph().getOutputList()) {
            outputs.add(v.getName());
        }
        Set<String> initializers = new HashSet<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            initializers.add(t.getName());
        }
        Set<String> exposed = new LinkedHashSet<>();
        for (String t : tensors) {
            if (initializers.contains(t)) {
                continue;
            }
            exposed.add(t);
            if (!outputs.contains(t)) {
                augmented.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(t).setType(TypeProto
                        .newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(Tensors.FLOAT))));
            }
        }
        OrtSession session = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            session = OrtEnvironment.getEnvironment().createSession(augmented.build().toByteArray(), options);
            return new Calibration(recipe, session, model.getGraph(), samples, exposed);
        } catch (OrtException e) {
            closeQuietly(session);
            throw new RecipeException(recipe + ": ONNX Runtime cannot run the model to calibrate it: "
                    + e.getMessage(), e);
        }
    }

    int sampleCount() {
        return samples.count();
    }

    void forEachSample(Visitor visitor, Progress progress, double from, double to) throws RecipeException {
        List<String> names = new ArrayList<>(tensors);
        for (int i = 0; i < samples.count(); i++) {
            Map<String, OnnxTensor> in = null;
            try {
                in = samples.sample(env, i, inputs, graph);
                try (OrtSession.Result result = session.run(in, new LinkedHashSet<>(names))) {
                    for (String name : names) {
                        OnnxValue v = result.get(name).orElseThrow();
                        if (v instanceof OnnxTensor t && t.getInfo().type == OnnxJavaType.FLOAT) {
                            visitor.visit(name, t.getFloatBuffer(), t.getInfo().getShape());
                        }
                    }
                }
            } catch (OrtException | RuntimeException e) {
                throw new RecipeException(recipe + ": calibration sample " + i + " failed: " + e.getMessage(), e);
            } finally {
                if (in != null) {
                    in.values().forEach(OnnxTensor::close);
                }
            }
            progress.report(from + (to - from) * (i + 1) / samples.count(), "calibrating");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeQuietly(session);
        }
    }

    private static void closeQuietly(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // closing releases native memory; nothing more to do if it reports a problem
            }
        }
    }
}
