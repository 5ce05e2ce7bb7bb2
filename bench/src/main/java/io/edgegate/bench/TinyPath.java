package io.edgegate.bench;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import io.edgegate.testkit.OnnxModelBuilder;

/**
 * A model too small to cost anything, y = x + 1 on FP32 [1, 4]: with it, a round trip measures the protocol's own
 * overhead rather than the model or the size of its output.
 */
final class TinyPath implements ServingPath, AutoCloseable {
    static final String MODEL = "tiny";
    static final byte[] BODY = ("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 4], "
            + "\"data\": [1, 2, 3, 4]}]}").getBytes(StandardCharsets.UTF_8);

    private final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    private final OrtSession session;
    private final OnnxTensor x;

    TinyPath(Path file) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        session = env.createSession(file.toString(), options);
        x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1, 2, 3, 4}), new long[] {1, 4});
    }

    /** Writes the model to {@code <models>/tiny/1/model.onnx}. */
    static Path write(Path models) {
        return new OnnxModelBuilder().input("x", OnnxModelBuilder.FLOAT, -1, 4).output("y", OnnxModelBuilder.FLOAT,
                -1, 4).floatInitializer("c", new long[] {1}, 1f).node("Add", List.of("x", "c"), List.of("y"))
                .write(models.resolve(MODEL).resolve("1").resolve("model.onnx"));
    }

    @Override
    public float[] output() throws OrtException {
        try (OrtSession.Result r = session.run(Map.of("x", x))) {
            FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
    }

    /** Closes the input, then the session, then its options. */
    @Override
    public void close() throws OrtException {
        x.close();
        session.close();
        options.close();
    }
}
