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
}
