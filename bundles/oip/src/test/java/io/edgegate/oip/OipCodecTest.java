package io.edgegate.oip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.model.Tensor;

/** The codec as the protocol bundles use it: limits, statuses, error bodies. */
class OipCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"id\": \"r1\", \"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\","
            + " \"shape\": [1, 2], \"data\": [1.5, 2]}]}";

    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void requestWithinTheLimitIsRead() throws Exception {
        InferenceRequest r = OipCodec.readRequest(in(BODY), "m", 2L, BODY.length());

        assertEquals("m", r.model());
        assertEquals(2L, r.version());
        assertEquals("r1", r.id());
        assertArrayEquals(new float[] {1.5f, 2f}, r.inputs().get(0).floats());
    }

    @Test
    void requestOverTheLimitIs413() {
        OipException e = assertThrows(OipException.class, () -> OipCodec.readRequest(in(BODY), "m", null, 10));

        assertEquals(413, e.status());
        assertTrue(e.getMessage().contains("limit of 10 bytes"), e.getMessage());
    }

    @Test
    void malformedRequestIs400() {
        OipException e = assertThrows(OipException.class, () -> OipCodec.readRequest(in("{"), "m", null, 100));

        assertEquals(400, e.status());
    }

    @Test
    void readyFilter() throws Exception {
        assertTrue(OipCodec.readReadyFilter(in("{\"ready\": true}"), 100));
        assertEquals(false, OipCodec.readReadyFilter(in(""), 100));
        assertEquals(400, assertThrows(OipException.class,
                () -> OipCodec.readReadyFilter(in("{\"ready\": true}      "), 5)).status());
    }

    @Test
    void responseRoundTripsThroughJson() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OipCodec.writeResponse(new InferenceResponse("m", 4, null,
                List.of(Tensor.ofFloats("y", new long[] {2}, 0.25f, -1f))), out);

        JsonNode root = JSON.readTree(out.toByteArray());
        assertEquals("4", root.path("model_version").asText());
        assertEquals("[0.25,-1.0]", root.path("outputs").get(0).path("data").toString());
    }

    @Test
    void errorBodyEscapesTheMessage() throws Exception {
        JsonNode root = JSON.readTree(OipCodec.errorBody("bad \"input\"\n"));

        assertEquals("bad \"input\"\n", root.path("error").asText());
        assertEquals(1, root.size());
    }

    @Test
    void onlyErrorStatuses() {
        assertThrows(IllegalArgumentException.class, () -> new OipException(200, "fine"));
    }

    @Test
    void binaryDataOutputSendsAJsonHeaderAndRawLittleEndianBytes() throws Exception {
        String body = "{\"parameters\": {\"binary_data_output\": true}, \"inputs\": [{\"name\": \"x\", "
                + "\"datatype\": \"FP32\", \"shape\": [1, 2], \"data\": [1.5, 2]}]}";
        OipCodec.Request req = OipCodec.readRequestWithOptions(in(body), "m", null, 1 << 20);
        assertTrue(req.binary());
        InferenceResponse resp = new InferenceResponse("m", 3, null, List.of(
                Tensor.ofFloats("y", new long[] {1, 3}, 0.25f, -1f, 3e-8f),
                Tensor.ofLongs("n", new long[] {2}, 7, -9)));

        OipCodec.Encoded e = OipCodec.encodeResponse(resp, req);

        JsonNode header = JSON.readTree(java.util.Arrays.copyOf(e.body(), e.headerLength()));
        assertEquals(12, header.path("outputs").get(0).path("parameters").path("binary_data_size").asInt());
        assertTrue(header.path("outputs").get(0).path("data").isMissingNode());
        assertEquals(16, header.path("outputs").get(1).path("parameters").path("binary_data_size").asInt());
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.wrap(e.body(), e.headerLength(), 28)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.25f, raw.getFloat());
        assertEquals(-1f, raw.getFloat());
        assertEquals(3e-8f, raw.getFloat());
        assertEquals(7L, raw.getLong());
        assertEquals(-9L, raw.getLong());
        assertEquals(e.headerLength() + 28, e.body().length);
    }

    @Test
    void binaryDataPerOutputLeavesTheOthersInJson() throws Exception {
        String body = "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}], "
                + "\"outputs\": [{\"name\": \"y\", \"parameters\": {\"binary_data\": true}}, {\"name\": \"n\"}]}";
        OipCodec.Request req = OipCodec.readRequestWithOptions(in(body), "m", null, 1 << 20);
        InferenceResponse resp = new InferenceResponse("m", 3, null, List.of(
                Tensor.ofFloats("y", new long[] {1}, 2f), Tensor.ofLongs("n", new long[] {1}, 5)));

        OipCodec.Encoded e = OipCodec.encodeResponse(resp, req);

        JsonNode header = JSON.readTree(java.util.Arrays.copyOf(e.body(), e.headerLength()));
        assertEquals(4, header.path("outputs").get(0).path("parameters").path("binary_data_size").asInt());
        assertEquals(5, header.path("outputs").get(1).path("data").get(0).asInt());
        assertEquals(e.headerLength() + 4, e.body().length);
    }

    @Test
    void withoutBinaryParametersTheResponseIsPlainJson() throws Exception {
        OipCodec.Request req = OipCodec.readRequestWithOptions(in(BODY), "m", null, 1 << 20);
        OipCodec.Encoded e = OipCodec.encodeResponse(new InferenceResponse("m", 1, null,
                List.of(Tensor.ofFloats("y", new long[] {1}, 2f))), req);
        assertEquals(-1, e.headerLength());
        assertEquals(2.0, JSON.readTree(e.body()).path("outputs").get(0).path("data").get(0).asDouble());
    }

    @Test
    void aBinaryParameterThatIsNotABooleanIs400() {
        String body = "{\"parameters\": {\"binary_data_output\": \"yes\"}, \"inputs\": [{\"name\": \"x\", "
                + "\"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}]}";
        OipException e = assertThrows(OipException.class, () -> OipCodec.readRequestWithOptions(in(body), "m", null,
                1 << 20));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("binary_data_output"), e.getMessage());
    }
}
