package io.edgegate.bench;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * The baseline: {@link OrtSession#run} on input tensors built once, with the session options the CPU
 * accelerator provider applies. Reading the output into a {@code float[]} is part of each call, as it is
 * for the gateway, so the comparison charges both sides for getting the result into Java.
 *
 * <p>The output read is {@link BenchInput#OUTPUT} unless another is named; {@code null} names the model's first
 * output, for exports that call the token embeddings something else (the FP32 all-MiniLM-L6-v2 says
 * {@code output_0}). Every call runs all of the model's outputs, as the gateway does.
 */
final class RawOrtPath implements ServingPath, AutoCloseable {
    private final SessionOptions options;
    private final OrtSession session;
    private final String output;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();

    RawOrtPath(Path model, BenchInput input, int intraOpThreads, int interOpThreads) throws OrtException {
        this(model, input, intraOpThreads, interOpThreads, BenchInput.OUTPUT);
    }

    /** @param output the output to read, or {@code null} for the model's first output */
    RawOrtPath(Path model, BenchInput input, int intraOpThreads, int interOpThreads, String output)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        SessionOptions opts = sessionOptions(intraOpThreads, interOpThreads);
        OrtSession s = null;
        try {
            s = env.createSession(model.toString(), opts);
            this.output = output != null ? output : firstOutput(s);
            long[][] values = input.values();
            for (int i = 0; i < values.length; i++) {
                inputs.put(BenchInput.INPUT_NAMES[i],
                        OnnxTensor.createTensor(env, LongBuffer.wrap(values[i]), BenchInput.SHAPE));
            }
        } catch (OrtException | RuntimeException e) {
            inputs.values().forEach(OnnxTensor::close);
            if (s != null) {
                s.close();
            }
            opts.close();
            throw e;
        }
        this.options = opts;
        this.session = s;
    }

    /**
     * The CPU accelerator provider's shipped settings: these intra- and inter-op threads, arena on, all graph
     * optimisations. The caller closes the options after the sessions made with them.
     */
    static SessionOptions sessionOptions(int intraOpThreads, int interOpThreads) throws OrtException {
        SessionOptions opts = new SessionOptions();
        try {
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setInterOpNumThreads(interOpThreads);
            opts.setCPUArenaAllocator(true);
            opts.setOptimizationLevel(OptLevel.ALL_OPT);
            return opts;
        } catch (OrtException | RuntimeException e) {
            opts.close();
            throw e;
        }
    }

    static String firstOutput(OrtSession session) {
        return session.getOutputNames().iterator().next();
    }

    /** The name of the output {@link #output()} reads. */
    String outputName() {
        return output;
    }

    @Override
    public float[] output() throws OrtException {
        try (OrtSession.Result result = session.run(inputs)) {
            OnnxTensor out = (OnnxTensor) result.get(output)
                    .orElseThrow(() -> new IllegalStateException("no output " + output));
            FloatBuffer data = out.getFloatBuffer();
            float[] floats = new float[data.remaining()];
            data.get(floats);
            return floats;
        }
    }

    /** Closes in ONNX Runtime's documented order: tensors, then the session, then its options. */
    @Override
    public void close() throws OrtException {
        inputs.values().forEach(OnnxTensor::close);
        inputs.clear();
        session.close();
        options.close();
    }
}
