package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleRevision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ProviderStatus;
import io.edgegate.model.Tensor;
import io.edgegate.testkit.OnnxModelBuilder;

/**
 * The gateway's features in a real Felix: MiniLM INT8 through the Java service and over HTTP gives what raw
 * ONNX Runtime gives; every datatype travels over HTTP; a corrupt model fails alone.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GatewayIT {
    static final String TYPES = "types";
    static final String BROKEN = "broken";

    @Inject
    BundleContext context;

    @Inject
    InferenceService inference;

    @Configuration
    public Option[] config() throws IOException {
        Path home = TestGateway.home("GatewayIT");
        TestGateway.installMiniLm(home, MiniLmInputs.MODEL, 1);
        OnnxModelBuilder types = new OnnxModelBuilder();
        for (Object[] t : TypesModel.TYPES) {
            String suffix = (String) t[0];
            types.input("x_" + suffix, (Integer) t[1], -1).output("y_" + suffix, (Integer) t[1], -1)
                    .node("Identity", List.of("x_" + suffix), List.of("y_" + suffix));
        }
        types.write(home.resolve("models/" + TYPES + "/1/model.onnx"));
        Path broken = home.resolve("models/" + BROKEN + "/1/model.onnx");
        Files.createDirectories(broken.getParent());
        Files.write(broken, "this is not an ONNX model, just text pretending".getBytes());
        // A small body limit, applied through config/ like an operator would.
        Files.writeString(home.resolve("config/io.edgegate.http.cfg"), "maxRequestBytes=" + (1 << 20) + "\n");
        // A plugin execution provider whose library is not there: it must be reported, not crash anything.
        Files.writeString(home.resolve("config/io.edgegate.accelerator.plugin-bogus.cfg"),
                "id=\"bogus\"\nlibrary=\"ep/bogus/libbogus_ep.so\"\nservice.ranking=I\"500\"\n");
        return TestGateway.options(home);
    }

    private Http http() {
        return new Http(Integer.parseInt(context.getProperty("org.osgi.service.http.port")));
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!inference.isReady()) {
            assertTrue("models did not finish loading in 60 s", System.currentTimeMillis() < deadline);
            Thread.sleep(50);
        }
    }

    /** Waits for the servlet and the configured limit to be in place. */
    private Http readyHttp() throws Exception {
        awaitReady();
        Http http = http();
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                if (http.get("/v2/health/ready").status() == 200) {
                    return http;
                }
            } catch (IOException e) {
                // Jetty not listening yet
            }
            assertTrue("HTTP not ready in 30 s", System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
    }

    @Test
    public void everyBundleOfEveryFeatureIsActive() {
        int ours = 0;
        for (Bundle b : context.getBundles()) {
            boolean fragment = (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            if (!fragment) {
                assertEquals(b.getSymbolicName() + " is not active", Bundle.ACTIVE, b.getState());
            }
            if (b.getSymbolicName().startsWith("io.edgegate.")) {
                ours++;
            }
        }
        // counted from the feature files outside the framework, see TestGateway
        assertEquals("edgegate bundles installed", Integer.parseInt(context.getProperty("edgegate.it.ours")), ours);
    }

    @Test
    public void miniLmLoadsOnTheCpuProvider() throws Exception {
        awaitReady();
        ModelStatus s = inference.model(MiniLmInputs.MODEL, null);
        assertEquals(ModelStatus.State.READY, s.state());
        assertEquals("cpu", s.provider().orElse(null));
        assertEquals(3, s.inputs().size());
        assertEquals("last_hidden_state", s.outputs().get(0).name());
    }

    @Test
    public void aPluginProviderWithoutItsLibraryIsUnavailableAndModelsStayOnTheCpu() throws Exception {
        awaitReady();
        long deadline = System.currentTimeMillis() + 30_000;
        while (inference.providers().stream().noneMatch(p -> p.id().equals("bogus"))) {
            assertTrue("the plugin provider did not register: " + inference.providers(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(50);
        }
        ProviderStatus bogus = inference.providers().stream().filter(p -> p.id().equals("bogus")).findFirst()
                .orElseThrow();
        assertFalse(bogus.available());
        assertEquals(500, bogus.ranking());
        assertEquals("cpu", inference.model(MiniLmInputs.MODEL, null).provider().orElse(null));
        String log = Files.readString(Path.of(System.getProperty("edgegate.itest.dir"), "gateway.log"));
        assertTrue("the log says why", log.contains("libbogus_ep.so"));
    }

    @Test
    public void javaServiceGivesTheNumbersOfRawOnnxRuntime() throws Exception {
        awaitReady();
        for (int i = 0; i < MiniLmInputs.LENGTHS.size(); i++) {
            long[] ids = MiniLmInputs.tokens(i);
            long[] shape = {1, ids.length};
            InferenceResponse r = inference.infer(InferenceRequest.of(MiniLmInputs.MODEL, List.of(
                    Tensor.ofLongs("input_ids", shape, ids),
                    Tensor.ofLongs("attention_mask", shape, MiniLmInputs.ones(ids.length)),
                    Tensor.ofLongs("token_type_ids", shape, new long[ids.length]))));
            Tensor out = r.output("last_hidden_state").orElseThrow();
            assertEquals(List.of(1L, (long) ids.length, 384L), List.of(box(out.shape())));
            double diff = MiniLmInputs.maxAbsDiff(MiniLmInputs.reference(i), out.floats());
            assertTrue("case " + i + ": max abs diff " + diff, diff <= 1e-5);
            assertEquals(1, r.version());
        }
    }

    @Test
    public void httpGivesTheNumbersOfRawOnnxRuntime() throws Exception {
        Http http = readyHttp();
        for (int i = 0; i < MiniLmInputs.LENGTHS.size(); i++) {
            Http.Response r = http.post("/v2/models/" + MiniLmInputs.MODEL + "/infer", miniLmRequest(i));
            assertEquals(r.body(), 200, r.status());
            JsonNode json = r.json();
            assertEquals(MiniLmInputs.MODEL, json.path("model_name").asText());
            assertEquals("1", json.path("model_version").asText());
            JsonNode out = json.path("outputs").get(0);
            assertEquals("last_hidden_state", out.path("name").asText());
            assertEquals("FP32", out.path("datatype").asText());
            assertEquals("[1," + MiniLmInputs.LENGTHS.get(i) + ",384]", out.path("shape").toString());
            float[] data = new float[out.path("data").size()];
            for (int k = 0; k < data.length; k++) {
                data[k] = (float) out.path("data").get(k).asDouble();
            }
            double diff = MiniLmInputs.maxAbsDiff(MiniLmInputs.reference(i), data);
            assertTrue("case " + i + ": max abs diff " + diff, diff <= 1e-5);
        }
        // The same with an explicit version and the request id echoed
        ObjectNode req = miniLmRequest(0);
        req.put("id", "req-42");
        Http.Response r = http.post("/v2/models/" + MiniLmInputs.MODEL + "/versions/1/infer", req);
        assertEquals(200, r.status());
        assertEquals("req-42", r.json().path("id").asText());
    }

    @Test
    public void healthAndMetadataEndpointsAnswer() throws Exception {
        Http http = readyHttp();
        assertEquals(200, http.get("/v2/health/live").status());
        assertTrue(http.get("/v2/health/live").json().path("live").asBoolean());
        assertTrue(http.get("/v2/health/ready").json().path("ready").asBoolean());
        JsonNode server = http.get("/v2").json();
        assertEquals("edgegate", server.path("name").asText());
        assertTrue(server.path("extensions").isArray());
        for (String path : List.of("/v2/models/" + MiniLmInputs.MODEL, "/v2/models/" + MiniLmInputs.MODEL
                + "/versions/1")) {
            Http.Response r = http.get(path);
            assertEquals(200, r.status());
            JsonNode m = r.json();
            assertEquals(MiniLmInputs.MODEL, m.path("name").asText());
            assertEquals("[\"1\"]", m.path("versions").toString());
            assertEquals("onnxruntime_onnx", m.path("platform").asText());
            assertEquals("input_ids", m.path("inputs").get(0).path("name").asText());
            assertEquals("INT64", m.path("inputs").get(0).path("datatype").asText());
            assertEquals("[-1,-1]", m.path("inputs").get(0).path("shape").toString());
            assertEquals("[-1,-1,384]", m.path("outputs").get(0).path("shape").toString());
            assertEquals("READY", m.path("state").asText());
            assertEquals(64, m.path("sha256").asText().length());
        }
        assertEquals(200, http.get("/v2/models/" + MiniLmInputs.MODEL + "/ready").status());
        assertEquals(200, http.get("/v2/models/" + MiniLmInputs.MODEL + "/versions/1/ready").status());
        assertEquals(405, http.get("/v2/models/" + MiniLmInputs.MODEL + "/infer").status());
    }

    @Test
    public void everyDatatypeTravelsOverHttp() throws Exception {
        Http http = readyHttp();
        ObjectNode req = Http.JSON.createObjectNode();
        ArrayNode inputs = req.putArray("inputs");
        for (Object[] t : TypesModel.TYPES) {
            ObjectNode in = inputs.addObject();
            in.put("name", "x_" + t[0]);
            in.put("datatype", (String) t[2]);
            in.putArray("shape").add(3);
            in.set("data", Http.JSON.readTree((String) t[3]));
        }
        Http.Response r = http.post("/v2/models/" + TYPES + "/infer", req);
        assertEquals(r.body(), 200, r.status());
        for (JsonNode out : r.json().path("outputs")) {
            String suffix = out.path("name").asText().substring(2);
            Object[] t = TypesModel.bySuffix(suffix);
            assertEquals(t[2], out.path("datatype").asText());
            assertEquals(Http.JSON.readTree((String) t[3]), out.path("data"));
        }
        assertEquals(TypesModel.TYPES.size(), r.json().path("outputs").size());
    }

    @Test
    public void unknownModelOrVersionIs404() throws Exception {
        Http http = readyHttp();
        String body = Http.JSON.writeValueAsString(miniLmRequest(0));
        Http.Response r = http.post("/v2/models/nope/infer", body);
        assertEquals(404, r.status());
        assertTrue(r.error(), r.error().contains("'nope'"));
        assertEquals(404, http.get("/v2/models/nope").status());
        assertEquals(404, http.get("/v2/models/nope/ready").status());
        r = http.post("/v2/models/" + MiniLmInputs.MODEL + "/versions/7/infer", body);
        assertEquals(404, r.status());
        assertTrue(r.error(), r.error().contains("no version 7"));
        assertEquals(404, http.get("/v2/models/" + MiniLmInputs.MODEL + "/versions/abc").status());
        assertEquals(404, http.get("/v2/nothing/here").status());
    }

    @Test
    public void malformedJsonIs400() throws Exception {
        Http http = readyHttp();
        String path = "/v2/models/" + MiniLmInputs.MODEL + "/infer";
        for (String bad : List.of("{\"inputs\": [", "not json", "[]", "{}", "{\"inputs\": []}",
                "{\"inputs\": [{\"name\": \"input_ids\"}]}")) {
            Http.Response r = http.post(path, bad);
            assertEquals(bad, 400, r.status());
            assertFalse(bad, r.error().isEmpty());
        }
        assertTrue(http.post(path, "{\"inputs\": [").error().startsWith("malformed JSON"));
    }

    @Test
    public void unknownInputIs400NamingIt() throws Exception {
        ObjectNode req = miniLmRequest(0);
        ((ObjectNode) req.path("inputs").get(2)).put("name", "token_kinds");
        assertBadRequest(req, "token_kinds");
    }

    @Test
    public void missingInputIs400NamingIt() throws Exception {
        ObjectNode req = miniLmRequest(0);
        ((ArrayNode) req.path("inputs")).remove(1);
        assertBadRequest(req, "attention_mask");
    }

    @Test
    public void wrongDatatypeIs400NamingIt() throws Exception {
        ObjectNode req = miniLmRequest(0);
        ((ObjectNode) req.path("inputs").get(0)).put("datatype", "INT32");
        assertBadRequest(req, "input_ids");
        ((ObjectNode) req.path("inputs").get(0)).put("datatype", "FP128");
        assertBadRequest(req, "input_ids");
    }

    @Test
    public void wrongShapeIs400NamingIt() throws Exception {
        ObjectNode req = miniLmRequest(0);
        ObjectNode mask = (ObjectNode) req.path("inputs").get(1);
        mask.putArray("shape").add(1).add(1).add(8);
        assertBadRequest(req, "attention_mask");
    }

    @Test
    public void dataLengthNotMatchingTheShapeIs400NamingIt() throws Exception {
        ObjectNode req = miniLmRequest(0);
        ((ArrayNode) req.path("inputs").get(2).path("data")).add(0);
        assertBadRequest(req, "token_type_ids");
        req = miniLmRequest(0);
        ((ObjectNode) req.path("inputs").get(0)).putArray("data").add("one").add("two");
        assertBadRequest(req, "input_ids");
    }

    @Test
    public void bodyOverTheLimitIs413AndIsNotRead() throws Exception {
        Http http = readyHttp();
        String path = "/v2/models/" + MiniLmInputs.MODEL + "/infer";
        // Declared too large: answered at once, before any body is sent.
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + ((1 << 20) + 1) + "\r\n\r\n";
        String answer = http.rawHead(head, new byte[0]);
        assertTrue(answer, answer.startsWith("HTTP/1.1 413"));
        assertTrue(answer, answer.contains("larger than the limit of 1048576 bytes"));
        // Not declared (chunked): reading stops at the limit.
        String chunkedHead = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
        int size = (1 << 20) + 4096;
        byte[] body = new byte[size];
        java.util.Arrays.fill(body, (byte) ' ');
        byte[] chunk = (Integer.toHexString(size) + "\r\n").getBytes();
        byte[] all = new byte[chunk.length + size];
        System.arraycopy(chunk, 0, all, 0, chunk.length);
        System.arraycopy(body, 0, all, chunk.length, size);
        answer = http.rawHead(chunkedHead, all);
        assertTrue(answer, answer.startsWith("HTTP/1.1 413"));
        // and the gateway goes on serving
        assertEquals(200, http.post(path, miniLmRequest(0)).status());
    }

    @Test
    public void aCorruptModelFailsAloneAndSaysWhy() throws Exception {
        Http http = readyHttp();
        Http.Response meta = http.get("/v2/models/" + BROKEN);
        assertEquals(200, meta.status());
        assertEquals("FAILED", meta.json().path("state").asText());
        String reason = meta.json().path("reason").asText();
        assertTrue(reason, reason.contains("not a readable ONNX model"));
        Http.Response ready = http.get("/v2/models/" + BROKEN + "/ready");
        assertEquals(400, ready.status());
        assertFalse(ready.json().path("ready").asBoolean());
        Http.Response infer = http.post("/v2/models/" + BROKEN + "/infer", miniLmRequest(0));
        assertEquals(400, infer.status());
        assertTrue(infer.error(), infer.error().contains("failed") && infer.error().contains(reason));
        String log = Files.readString(Path.of(System.getProperty("edgegate.itest.dir"), "gateway.log"));
        assertTrue("the log names the broken model and why",
                log.lines().anyMatch(l -> l.contains(BROKEN) && l.contains("not a readable ONNX model")));
        // every other model keeps serving
        assertEquals(200, http.post("/v2/models/" + MiniLmInputs.MODEL + "/infer", miniLmRequest(1)).status());
        assertEquals(200, http.get("/v2/health/ready").status());
    }

    private void assertBadRequest(ObjectNode req, String inputName) throws Exception {
        Http.Response r = readyHttp().post("/v2/models/" + MiniLmInputs.MODEL + "/infer", req);
        assertEquals(r.body(), 400, r.status());
        assertTrue("error names '" + inputName + "': " + r.error(), r.error().contains("'" + inputName + "'"));
    }

    static ObjectNode miniLmRequest(int i) {
        long[] ids = MiniLmInputs.tokens(i);
        ObjectNode req = Http.JSON.createObjectNode();
        ArrayNode inputs = req.putArray("inputs");
        addInput(inputs, "input_ids", ids);
        addInput(inputs, "attention_mask", MiniLmInputs.ones(ids.length));
        addInput(inputs, "token_type_ids", new long[ids.length]);
        return req;
    }

    private static void addInput(ArrayNode inputs, String name, long[] data) {
        ObjectNode in = inputs.addObject();
        in.put("name", name);
        in.put("datatype", "INT64");
        in.putArray("shape").add(1).add(data.length);
        ArrayNode d = in.putArray("data");
        for (long v : data) {
            d.add(v);
        }
    }

    private static Long[] box(long[] a) {
        Long[] b = new Long[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i];
        }
        return b;
    }
}
