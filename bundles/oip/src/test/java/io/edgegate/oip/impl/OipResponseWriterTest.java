package io.edgegate.oip.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.ModelStatus;
import io.edgegate.model.DataType;
import io.edgegate.model.Tensor;
import io.edgegate.model.TensorSpec;
import io.edgegate.optimizer.Variant;

class OipResponseWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Tensor tensor(String name, DataType type, int count, Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(count * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return new Tensor(name, type, new long[] {count}, b.flip());
    }

    private static JsonNode write(InferenceResponse response) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OipResponseWriter.inference(response, out);
        return JSON.readTree(out.toByteArray());
    }

    private static JsonNode output(JsonNode root, String name) {
        for (JsonNode o : root.path("outputs")) {
            if (o.path("name").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output " + name + " in " + root);
    }

    @Test
    void inferenceResponseNamesModelVersionAndId() throws IOException {
        JsonNode root = write(new InferenceResponse("minilm", 12, "req-1",
                List.of(Tensor.ofFloats("y", new long[] {2, 2}, 1.5f, -2f, 0f, 3.25f))));

        assertEquals("minilm", root.path("model_name").asText());
        assertTrue(root.path("model_version").isTextual(), "OIP v2 has model_version as a string");
        assertEquals("12", root.path("model_version").asText());
        assertEquals("req-1", root.path("id").asText());
        JsonNode y = output(root, "y");
        assertEquals("FP32", y.path("datatype").asText());
        assertEquals("[2,2]", y.path("shape").toString());
        assertEquals(List.of(1.5, -2.0, 0.0, 3.25),
                JSON.convertValue(y.path("data"), java.util.List.class));
    }

    @Test
    void noIdWhenTheRequestHadNone() throws IOException {
        JsonNode root = write(new InferenceResponse("m", 1, null, List.of(Tensor.ofInts("y", new long[] {1}, 7))));

        assertFalse(root.has("id"));
        assertEquals(7, output(root, "y").path("data").get(0).intValue());
    }

    @Test
    void fp16IsWrittenAsNumbers() throws IOException {
        Tensor half = tensor("h", DataType.FP16, 3,
                b -> b.putShort((short) 0x3E00).putShort((short) 0xC000).putShort((short) 0x7BFF));

        JsonNode data = output(write(new InferenceResponse("m", 1, null, List.of(half))), "h").path("data");

        for (JsonNode n : data) {
            assertTrue(n.isNumber(), "FP16 element written as " + n.getNodeType());
        }
        assertEquals(1.5, data.get(0).doubleValue());
        assertEquals(-2.0, data.get(1).doubleValue());
        assertEquals(65504.0, data.get(2).doubleValue());
    }

    @Test
    void unsignedTypesAreWrittenUnsigned() throws IOException {
        List<Tensor> outputs = List.of(
                tensor("u64", DataType.UINT64, 3, b -> b.putLong(-1).putLong(Long.MIN_VALUE).putLong(5)),
                tensor("u32", DataType.UINT32, 2, b -> b.putInt(-1).putInt(1)),
                tensor("u16", DataType.UINT16, 2, b -> b.putShort((short) -1).putShort((short) 1)),
                tensor("u8", DataType.UINT8, 2, b -> b.put((byte) -1).put((byte) 1)),
                tensor("i8", DataType.INT8, 2, b -> b.put((byte) -128).put((byte) 127)),
                tensor("i64", DataType.INT64, 1, b -> b.putLong(Long.MIN_VALUE)),
                tensor("b", DataType.BOOL, 2, b -> b.put((byte) 1).put((byte) 0)));

        JsonNode root = write(new InferenceResponse("m", 1, null, outputs));

        JsonNode u64 = output(root, "u64").path("data");
        assertTrue(u64.get(0).isIntegralNumber(), "UINT64 written as " + u64.get(0).getNodeType());
        assertEquals(new BigInteger("18446744073709551615"), u64.get(0).bigIntegerValue());
        assertEquals(new BigInteger("9223372036854775808"), u64.get(1).bigIntegerValue());
        assertEquals(BigInteger.valueOf(5), u64.get(2).bigIntegerValue());
        assertEquals("[4294967295,1]", output(root, "u32").path("data").toString());
        assertEquals("[65535,1]", output(root, "u16").path("data").toString());
        assertEquals("[255,1]", output(root, "u8").path("data").toString());
        assertEquals("[-128,127]", output(root, "i8").path("data").toString());
        assertEquals("[-9223372036854775808]", output(root, "i64").path("data").toString());
        assertEquals("[true,false]", output(root, "b").path("data").toString());
        assertEquals("UINT64", output(root, "u64").path("datatype").asText());
    }

    @Test
    void modelMetadataCarriesStateAndTensors() throws IOException {
        ModelStatus status = new ModelStatus("minilm", 2, ModelStatus.State.FAILED, "model.onnx is broken", "cpu",
                "ab12", List.of(new TensorSpec("input_ids", DataType.INT64, new long[] {-1, -1})),
                List.of(new TensorSpec("last_hidden_state", DataType.FP32, new long[] {-1, -1, 384})));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        OipResponseWriter.modelMetadata(status, List.of(1L, 2L), null, out);

        JsonNode root = JSON.readTree(out.toByteArray());
        assertEquals("minilm", root.path("name").asText());
        assertEquals("[\"1\",\"2\"]", root.path("versions").toString());
        assertEquals("onnxruntime_onnx", root.path("platform").asText());
        assertEquals("2", root.path("version").asText());
        assertEquals("FAILED", root.path("state").asText());
        assertEquals("model.onnx is broken", root.path("reason").asText());
        assertEquals("cpu", root.path("provider").asText());
        assertEquals("ab12", root.path("sha256").asText());
        JsonNode in = root.path("inputs").get(0);
        assertEquals("input_ids", in.path("name").asText());
        assertEquals("INT64", in.path("datatype").asText());
        assertEquals("[-1,-1]", in.path("shape").toString());
        assertEquals("[-1,-1,384]", root.path("outputs").get(0).path("shape").toString());
        assertTrue(root.path("variants").isMissingNode(), "no optimizer: no field");
    }

    @Test
    void modelMetadataListsTheVariants() throws IOException {
        ModelStatus status = new ModelStatus("m", 1, ModelStatus.State.READY, null, "cpu", "ab12", List.of(),
                List.of());
        Variant served = new Variant("m", 1, "int8-dynamic", java.util.Map.of("perChannel", "true"), "k1",
                Variant.Outcome.ACCEPTED, null, new Variant.Metrics(20, "generated", 0.995, 0.94, 0.5, null),
                new Variant.Thresholds(0.99, null, 0.99), "ab12", 1000, "cd34", 250, "1.28.0", 10, 20,
                java.time.Instant.parse("2026-11-22T07:00:00Z"), true, null);
        Variant rejected = new Variant("m", 1, "int8-dynamic", java.util.Map.of("debugScaleFactor", "0.05"), "k2",
                Variant.Outcome.REJECTED, "cosine similarity 0.48 is below minCosine 0.99",
                new Variant.Metrics(20, "generated", 0.48, 0.03, 3.1, 0.5), new Variant.Thresholds(0.99, null, 0.99),
                "ab12", 1000, "ef56", 250, "1.28.0", 10, 20, java.time.Instant.parse("2026-11-22T07:01:00Z"), false,
                null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        OipResponseWriter.modelMetadata(status, List.of(1L), List.of(rejected, served), out);

        JsonNode variants = JSON.readTree(out.toByteArray()).path("variants");
        assertEquals(2, variants.size());
        JsonNode r = variants.get(0);
        assertEquals("REJECTED", r.path("outcome").asText());
        assertFalse(r.path("accepted").asBoolean());
        assertEquals("cosine similarity 0.48 is below minCosine 0.99", r.path("reason").asText());
        assertEquals(0.5, r.path("top1Agreement").asDouble());
        assertEquals("{\"debugScaleFactor\":\"0.05\"}", r.path("options").toString());
        JsonNode s = variants.get(1);
        assertTrue(s.path("accepted").asBoolean() && s.path("served").asBoolean(), s.toString());
        assertEquals(0.995, s.path("cosineMean").asDouble());
        assertEquals(250, s.path("bytes").asLong());
        assertEquals(1000, s.path("sourceBytes").asLong());
        assertTrue(s.path("reason").isMissingNode() && s.path("top1Agreement").isMissingNode(), s.toString());
    }
}
