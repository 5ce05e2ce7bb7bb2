package io.edgegate.itests;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/**
 * Writes what plain ONNX Runtime, outside OSGi, outputs for {@link MiniLmInputs}. Run by the build in a JVM of
 * its own before the integration tests, which compare the gateway's answers with these files.
 */
public final class RawOrtReference {
    private RawOrtReference() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        byte[] model;
        try (InputStream in = RawOrtReference.class.getResourceAsStream(MiniLmInputs.RESOURCE)) {
            model = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            try (OrtSession session = env.createSession(model, options)) {
                for (int i = 0; i < MiniLmInputs.LENGTHS.size(); i++) {
                    long[] ids = MiniLmInputs.tokens(i);
                    long[] shape = {1, ids.length};
                    try (OnnxTensor a = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), shape);
                            OnnxTensor b = OnnxTensor.createTensor(env,
                                    java.nio.LongBuffer.wrap(MiniLmInputs.ones(ids.length)), shape);
                            OnnxTensor c = OnnxTensor.createTensor(env,
                                    java.nio.LongBuffer.wrap(new long[ids.length]), shape);
                            OrtSession.Result r = session.run(
                                    Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
                        OnnxTensor out = (OnnxTensor) r.get("last_hidden_state").orElseThrow();
                        ByteBuffer bytes = out.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                        byte[] raw = new byte[bytes.remaining()];
                        bytes.get(raw);
                        Files.write(MiniLmInputs.referenceFile(dir, i), raw);
                    }
                }
            }
        }
        System.out.println("[edgegate] raw ONNX Runtime reference outputs written to " + dir);
    }
}
