package io.edgegate.inference.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.ModelStatus;
import io.edgegate.model.DataType;
import io.edgegate.model.Tensor;
import io.edgegate.model.TensorSpec;

/** The real MiniLM INT8 model answers through the gateway exactly as through raw ONNX Runtime. */
class MiniLmTest {
    // "hello world" and "the gateway serves models" in the BERT uncased vocabulary, padded to 7 tokens.
    private static final long[][] IDS = {
        {101, 7592, 2088, 102, 0, 0, 0},
        {101, 1996, 11909, 4240, 4275, 102, 0}};
    private static final long[][] MASK = {
        {1, 1, 1, 1, 0, 0, 0},
        {1, 1, 1, 1, 1, 1, 0}};
    private static final long[][] TYPES = new long[2][7];

    @TempDir
    Path home;
    Path root;

    @BeforeEach
    void modelsFolder() {
        root = home.resolve("models");
    }

    private static long[] flat(long[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToLong(java.util.Arrays::stream).toArray();
    }

    @Test
    void sameNumbersAsRawOnnxRuntime() throws Exception {
        Path file = Gateways.version(root, "minilm", 1).resolve("model.onnx");
        byte[] model = Gateways.minilm();
        Files.write(file, model);

        float[][][] expected;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession raw = env.createSession(file.toString(), new OrtSession.SessionOptions());
                OnnxTensor ids = OnnxTensor.createTensor(env, IDS);
                OnnxTensor mask = OnnxTensor.createTensor(env, MASK);
                OnnxTensor types = OnnxTensor.createTensor(env, TYPES);
                OrtSession.Result result = raw.run(
                        Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
            expected = (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
        }

        OnnxInferenceService service = Gateways.start(root);
        try {
            ModelStatus status = service.model("minilm", null);
            assertEquals(ModelStatus.State.READY, status.state(), () -> status.reason().orElse(""));
            assertEquals("cpu", status.provider().orElseThrow());
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model)),
                    status.sha256().orElseThrow());
            assertEquals(List.of(new TensorSpec("last_hidden_state", DataType.FP32, new long[] {-1, -1, 384})),
                    status.outputs());

            long[] shape = {2, 7};
            InferenceResponse response = service.infer(new InferenceRequest("minilm", null, "req-1", List.of(
                    Tensor.ofLongs("input_ids", shape, flat(IDS)),
                    Tensor.ofLongs("attention_mask", shape, flat(MASK)),
                    Tensor.ofLongs("token_type_ids", shape, flat(TYPES))), List.of()));

            assertEquals("minilm", response.model());
            assertEquals(1, response.version());
            assertEquals("req-1", response.id());
            Tensor hidden = response.output("last_hidden_state").orElseThrow();
            assertArrayEquals(new long[] {2, 7, 384}, hidden.shape());
            float[] got = hidden.floats();
            double maxDiff = 0;
            int i = 0;
            for (float[][] batch : expected) {
                for (float[] token : batch) {
                    for (float value : token) {
                        maxDiff = Math.max(maxDiff, Math.abs(value - got[i++]));
                    }
                }
            }
            assertEquals(got.length, i);
            assertTrue(maxDiff <= 1e-5, "max abs diff " + maxDiff);
            // Not all zeros: the comparison above compares real embeddings.
            assertTrue(Math.abs(got[0]) + Math.abs(got[1]) + Math.abs(got[384]) > 0);
        } finally {
            service.deactivate();
        }
    }
}
