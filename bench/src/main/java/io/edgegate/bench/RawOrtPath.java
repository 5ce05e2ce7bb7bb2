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
 */
final class RawOrtPath implements ServingPath, AutoCloseable {
    private final SessionOptions options;
    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();

    RawOrtPath(Path model, BenchInput input, int intraOpThreads, int interOpThreads) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        SessionOptions opts = new SessionOptions();
        OrtSession s = null;
        try {
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setInterOpNumThreads(interOpThreads);
            opts.setCPUArenaAllocator(true);
            opts.setOptimizationLevel(OptLevel.ALL_OPT);
            s = env.createSession(model.toString(), opts);
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

    @Override
    public float[] output() throws OrtException {
        try (OrtSession.Result result = session.run(inputs)) {
            OnnxTensor out = (OnnxTensor) result.get(BenchInput.OUTPUT)
                    .orElseThrow(() -> new IllegalStateException("no output " + BenchInput.OUTPUT));
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
