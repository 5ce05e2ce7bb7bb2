package io.edgegate.mqtt.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgegate.inference.InferenceRequest;
import io.edgegate.mqtt.impl.TestClient.Answer;
import io.edgegate.oip.OipCodec;
import io.edgegate.testkit.TestTrust;
import io.edgegate.trust.ArtifactType;

/** The MQTT component on a real broker (HiveMQ CE), over real store, verifier and inference service. */
class MqttGatewayTest {
    static final String X = "{\"id\": \"q1\", \"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 4],"
            + " \"data\": [1, 2, 3, 4.5]}]}";
    static final int CHUNK = 64;

    static Broker broker;
    @TempDir
    static Path brokerDir;

    @TempDir
    Path home;
    TestGateway gw;
    TestClient client;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = Broker.start(brokerDir, Broker.freePort());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(home, Map.of("brokerUri", broker.uri(), "gatewayId", "gw-" + UUID.randomUUID(),
                "maxPayloadBytes", 4096), null, null);
        gw.awaitConnected(30);
        client = new TestClient(broker.uri());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        gw.close();
    }

    private Answer op(String operation, String body) throws Exception {
        return client.request(gw.topic(operation), body);
    }

    private String infer(String model) {
        return "edgegate/" + gw.id() + "/infer/" + model;
    }

    private Path uploads() {
        return home.resolve("data/mqtt/uploads");
    }

    private static long files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    /** Begins a deploy of {@code add} {@code version} (y = x + addend); returns the upload id. */
    private String begin(long version, byte[] content) throws Exception {
        Answer a = op(ModelOps.DEPLOY, Deploys.begin("add", version,
                gw.trust.manifest(ArtifactType.MODEL, "add", version, content)));
        assertEquals(200, a.status(), a.toString());
        assertEquals(content.length, a.result().path("length").asLong());
        return a.result().path("upload").asText();
    }

    @Test
    void statusRoundTripAndRetainedStatus() throws Exception {
        Answer a = op("status", "");

        assertEquals(200, a.status(), a.toString());
        assertEquals("application/json", a.contentType());
        assertEquals(200, a.json().path("status").asInt());
        JsonNode s = a.result();
        assertTrue(s.path("online").asBoolean());
        assertEquals(gw.id(), s.path("gateway").asText());
        assertEquals("0.1.0-test", s.path("version").asText());
        JsonNode m = s.path("models").get(0);
        assertEquals("add", m.path("name").asText());
        assertEquals(1, m.path("version").asLong());
        assertEquals("READY", m.path("state").asText());
        assertEquals("cpu", m.path("provider").asText());
        assertEquals(64, m.path("sha256").asText().length());
        assertEquals("cpu", s.path("providers").get(0).path("id").asText());
        assertTrue(s.path("providers").get(0).path("available").asBoolean());
        assertEquals(1, s.path("trustRoot").asLong());
        assertTrue(s.path("enforcing").asBoolean());

        String statusTopic = "edgegate/" + gw.id() + "/status";
        client.subscribe(statusTopic);
        MqttMessage retained = client.next(statusTopic, 10);
        assertNotNull(retained, "no retained status");
        assertTrue(retained.isRetained());
        assertTrue(Body.JSON.readTree(retained.getPayload()).path("online").asBoolean());
    }

    @Test
    void optimizeReportsProgressThenTheVariantsReport() throws Exception {
        List<Answer> answers = client.requestUntilFinal(gw.topic(OptimizeOps.OPERATION),
                "{\"name\": \"add\", \"version\": 1, \"recipe\": \"fp16\", \"options\": {\"samples\": 3}}");
        Answer last = answers.get(answers.size() - 1);
        assertEquals(200, last.status(), answers.toString());
        assertTrue(answers.size() >= 2, "progress before the report: " + answers);
        double before = -1;
        for (Answer interim : answers.subList(0, answers.size() - 1)) {
            assertEquals(202, interim.status());
            double p = interim.result().path("progress").asDouble();
            assertTrue(p > before && p <= 1, answers.toString());
            assertTrue(interim.result().path("message").isTextual());
            before = p;
        }
        JsonNode v = last.result();
        assertEquals("ACCEPTED", v.path("outcome").asText());
        assertEquals("fp16", v.path("recipe").asText());
        assertEquals(3, v.path("metrics").path("samples").asInt());
        assertTrue(v.path("metrics").path("cosineMean").asDouble() >= 0.999, v.toString());
        assertEquals(gw.store.version("add", 1).orElseThrow().sha256(), v.path("source").path("sha256").asText());
        assertEquals(64, v.path("variant").path("sha256").asText().length());

        List<Answer> failing = client.requestUntilFinal(gw.topic(OptimizeOps.OPERATION), "{\"name\": \"add\", "
                + "\"version\": 1, \"recipe\": \"int8-dynamic\"}");
        assertEquals(202, failing.get(0).status(), "the first progress report goes out at once: " + failing);
        Answer nothing = failing.get(failing.size() - 1);
        assertEquals(409, nothing.status(), nothing.toString());
        assertTrue(nothing.error().startsWith("models/optimize: RECIPE_FAILED: "), nothing.error());
        assertEquals("FAILED", nothing.result().path("outcome").asText(), "the report comes along");
        assertEquals(404, op(OptimizeOps.OPERATION, "{\"name\": \"nope\", \"version\": 1, \"recipe\": "
                + "\"fp16\"}").status());
        assertEquals(400, op(OptimizeOps.OPERATION, "{\"name\": \"add\", \"version\": 1, \"recipe\": "
                + "\"int4\"}").status());
        Answer typo = op(OptimizeOps.OPERATION, "{\"name\": \"add\", \"version\": 1, \"recipe\": \"fp16\", "
                + "\"option\": {}}");
        assertEquals(400, typo.status());
        assertTrue(typo.error().contains("unknown field 'option'"), typo.error());
    }

    @Test
    void stoppingLeavesARetainedOfflineStatus() throws Exception {
        String statusTopic = "edgegate/" + gw.id() + "/status";
        gw.mqtt.close();
        gw.mqtt.close(); // exactly once: the second does nothing

        client.subscribe(statusTopic);
        MqttMessage retained = client.next(statusTopic, 10);
        assertNotNull(retained);
        JsonNode s = Body.JSON.readTree(retained.getPayload());
        assertFalse(s.path("online").asBoolean(true), s.toString());
        assertEquals(gw.id(), s.path("gateway").asText());
    }

    @Test
    void inferenceOverMqttEqualsTheInProcessResult() throws Exception {
        Answer a = client.request(infer("add"), X.getBytes(StandardCharsets.UTF_8), TestClient.fresh(), List.of());

        assertEquals(200, a.status(), a.toString());
        InferenceRequest same = OipCodec.readRequest(new ByteArrayInputStream(X.getBytes(StandardCharsets.UTF_8)),
                "add", null, 4096);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        OipCodec.writeResponse(gw.inference.infer(same), expected);
        assertEquals(Body.JSON.readTree(expected.toByteArray()), a.json());
        assertEquals("[2.0,3.0,4.0,5.5]", a.json().path("outputs").get(0).path("data").toString());
        assertEquals("q1", a.json().path("id").asText());
    }

    @Test
    void theFleetsSharedInferenceTopicIsServed() throws Exception {
        gw.restart(Map.of("fleet", "plant-7", "fleetGroup", "line-a"));
        gw.awaitConnected(30);

        Answer a = client.request("edgegate/fleet/plant-7/infer/add", X.getBytes(StandardCharsets.UTF_8),
                TestClient.fresh(), List.of());

        assertEquals(200, a.status(), a.toString());
        assertEquals("[2.0,3.0,4.0,5.5]", a.json().path("outputs").get(0).path("data").toString());
    }

    @Test
    void badInputIsAnsweredAndChangesNothing() throws Exception {
        record Case(String topic, String body, int status, String says) {
        }
        List<Case> cases = List.of(
                new Case(gw.topic("status"), "{", 400, "malformed JSON"),
                new Case(gw.topic("status"), "[1]", 400, "JSON object"),
                new Case(gw.topic("models/explode"), "{}", 404, "unknown operation 'models/explode'"),
                new Case(gw.topic("models/activate"), "{\"name\": \"add\", \"version\": 1, \"x\": 1}", 400,
                        "unknown field 'x'"),
                new Case(gw.topic("models/activate"), "{\"name\": \"add\", \"version\": \"1\"}", 400,
                        "'version' must be a positive integer"),
                new Case(gw.topic("models/activate"), "{\"name\": \"add\", \"version\": 1.5}", 400,
                        "positive integer"),
                new Case(gw.topic("models/remove"), "{\"name\": 7, \"version\": 1}", 400, "'name' must be a string"),
                new Case(gw.topic("models/remove"), "{\"name\": \"../add\", \"version\": 1}", 400,
                        "not a valid name"),
                new Case(gw.topic("models/remove"), "{\"name\": \"a/b\", \"version\": 1}", 400, "not a valid name"),
                new Case(gw.topic("models/deploy"), "{\"name\": \"..\", \"version\": 2, \"manifest\": {}}", 400,
                        "not a valid name"),
                new Case(gw.topic("models/deploy"), "{\"name\": \"add\", \"version\": 2, \"manifest\": \"x\"}", 400,
                        "'manifest' must be a JSON object"),
                new Case(gw.topic("models/deploy"), "{\"name\": \"add\", \"version\": 2, \"manifest\": {}}", 403,
                        "MALFORMED"),
                new Case(gw.topic("models/activate"), "{\"name\": \"add\", \"version\": 9}", 404, "no version 9"),
                new Case(gw.topic("models/remove"), "{\"name\": \"add\", \"version\": 1}", 409, "only version"),
                new Case(gw.topic("config/get"), "{}", 503, "Configuration Admin"),
                new Case(gw.topic("bundles/list"), "{}", 503, "framework"),
                new Case(gw.topic("status"), "{\"pad\": \"" + "x".repeat(5000) + "\"}", 413, "maxPayloadBytes"),
                new Case(infer("add"), "{", 400, "malformed JSON"),
                new Case(infer("add"), "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 3],"
                        + " \"data\": [1, 2, 3]}]}", 400, "x"),
                new Case(infer("nope"), X, 404, "nope"),
                new Case(infer("add"), "[" + "1,".repeat(3000) + "1]", 413, "limit"));
        for (Case c : cases) {
            Answer a = client.request(c.topic(), c.body().getBytes(StandardCharsets.UTF_8), TestClient.fresh(),
                    List.of());
            assertEquals(c.status(), a.status(), c + " -> " + a);
            assertTrue(a.json().path("error").asText().contains(c.says()), c + " -> " + a);
            if (!c.topic().contains("/infer/")) {
                assertEquals(c.status(), a.json().path("status").asInt());
            }
        }

        assertEquals(200, op("status", "{}").status());
        assertEquals(200, client.request(infer("add"), X.getBytes(StandardCharsets.UTF_8), TestClient.fresh(),
                List.of()).status());
        Answer list = op("models/list", "");
        assertEquals(1, list.result().path("models").size(), list.toString());
        assertEquals("READY", list.result().path("models").get(0).path("state").asText());
        assertEquals(0, files(uploads()));
        assertEquals(List.of("1"), versions());
    }

    private List<String> versions() throws Exception {
        try (Stream<Path> s = Files.list(home.resolve("models/add"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void chunkedDeployOfASignedModelIsServed() throws Exception {
        String statusTopic = "edgegate/" + gw.id() + "/status";
        client.subscribe(statusTopic);
        assertNotNull(client.next(statusTopic, 10), "no retained status");
        byte[] model = TestGateway.addModel(10f);
        String upload = begin(2, model);

        Answer done = Deploys.upload(client, gw.topic(ModelOps.DEPLOY), upload, model, 0, CHUNK);

        assertEquals(200, done.status(), done.toString());
        assertEquals("add", done.result().path("name").asText());
        assertEquals(2, done.result().path("version").asLong());
        assertEquals("READY", done.result().path("state").asText(), done.toString());
        Answer a = client.request(infer("add"), X.getBytes(StandardCharsets.UTF_8), TestClient.fresh(), List.of());
        assertEquals(200, a.status(), a.toString());
        assertEquals("2", a.json().path("model_version").asText());
        assertEquals("[11.0,12.0,13.0,14.5]", a.json().path("outputs").get(0).path("data").toString());
        assertEquals(List.of("1", "2"), versions());
        assertArrayEquals(model, Files.readAllBytes(home.resolve("models/add/2/model.onnx")));
        assertEquals(0, files(uploads()));

        // the retained status follows the change
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            MqttMessage m = client.next(statusTopic, 10);
            assertNotNull(m, "the status was not published again after the deploy");
            JsonNode models = Body.JSON.readTree(m.getPayload()).path("models");
            if (models.size() == 1 && models.get(0).path("version").asLong() == 2) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, models.toString());
        }

        JsonNode listed = op("models/list", "").result().path("models");
        assertEquals("INSTALLED", listed.get(0).path("state").asText(), listed.toString());
        assertEquals("READY", listed.get(1).path("state").asText(), listed.toString());
    }

    @Test
    void beginningAgainResumesAtTheStoredOffsetAlsoAfterARestart() throws Exception {
        byte[] model = TestGateway.addModel(20f);
        String upload = begin(2, model);
        String topic = gw.topic(ModelOps.DEPLOY);
        assertEquals(202, Deploys.chunk(client, topic, upload, 0, Arrays.copyOfRange(model, 0, CHUNK),
                TestClient.fresh()).status());
        assertEquals(202, Deploys.chunk(client, topic, upload, CHUNK, Arrays.copyOfRange(model, CHUNK, 2 * CHUNK),
                TestClient.fresh()).status());

        Answer again = op(ModelOps.DEPLOY, Deploys.begin("add", 2,
                gw.trust.manifest(ArtifactType.MODEL, "add", 2, model)));
        assertEquals(upload, again.result().path("upload").asText());
        assertEquals(2 * CHUNK, again.result().path("offset").asLong());

        Answer wrong = Deploys.chunk(client, topic, upload, 0, Arrays.copyOfRange(model, 0, CHUNK),
                TestClient.fresh());
        assertEquals(409, wrong.status(), wrong.toString());
        assertEquals(2 * CHUNK, wrong.result().path("offset").asLong());
        Answer beyond = Deploys.chunk(client, topic, upload, 2 * CHUNK, new byte[model.length], TestClient.fresh());
        assertEquals(400, beyond.status(), beyond.toString());
        Answer unknown = Deploys.chunk(client, topic, "0".repeat(32), 0, new byte[1], TestClient.fresh());
        assertEquals(404, unknown.status(), unknown.toString());

        gw.mqtt.close(); // the gateway restarts in the middle of the upload
        gw.start();
        gw.awaitConnected(30);
        Answer resumed = op(ModelOps.DEPLOY, Deploys.begin("add", 2,
                gw.trust.manifest(ArtifactType.MODEL, "add", 2, model)));
        assertEquals(2 * CHUNK, resumed.result().path("offset").asLong(), resumed.toString());

        Answer done = Deploys.upload(client, topic, upload, model, 2 * CHUNK, CHUNK);
        assertEquals(200, done.status(), done.toString());
        assertEquals("READY", done.result().path("state").asText(), done.toString());
        assertArrayEquals(model, Files.readAllBytes(home.resolve("models/add/2/model.onnx")));
    }

    @Test
    void aRepeatedRequestGetsTheSameReplyAndRunsOnce() throws Exception {
        byte[] model = TestGateway.addModel(30f);
        String upload = begin(2, model);
        String topic = gw.topic(ModelOps.DEPLOY);
        int last = (model.length - 1) / CHUNK * CHUNK;
        Deploys.upload(client, topic, upload, Arrays.copyOf(model, last), 0, CHUNK);
        byte[] finalChunk = Arrays.copyOfRange(model, last, model.length);
        byte[] corr = TestClient.fresh();

        // twice at once: the second arrives while the first is installing
        List<UserProperty> props = List.of(
                new UserProperty("upload", upload),
                new UserProperty("offset", Integer.toString(last)));
        client.send(topic, finalChunk, corr, props, null);
        Answer first = client.request(topic, finalChunk, corr, props);
        Answer second = client.request(topic, finalChunk, corr, props);

        assertEquals(200, first.status(), first.toString());
        assertArrayEquals(first.body(), second.body());
        assertEquals(List.of("1", "2"), versions());

        byte[] removeCorr = TestClient.fresh();
        byte[] remove = "{\"name\": \"add\", \"version\": 1}".getBytes(StandardCharsets.UTF_8);
        Answer removed = client.request(gw.topic("models/remove"), remove, removeCorr, List.of());
        assertEquals(200, removed.status(), removed.toString());
        assertEquals(List.of("2"), versions());
        Answer repeated = client.request(gw.topic("models/remove"), remove, removeCorr, List.of());
        assertArrayEquals(removed.body(), repeated.body());

        gw.mqtt.close();
        gw.start();
        gw.awaitConnected(30);
        Answer afterRestart = client.request(gw.topic("models/remove"), remove, removeCorr, List.of());
        assertEquals(200, afterRestart.status(), "remembered on disk: " + afterRestart);
        assertArrayEquals(removed.body(), afterRestart.body());
        Answer fresh = client.request(gw.topic("models/remove"), remove, TestClient.fresh(), List.of());
        assertEquals(404, fresh.status(), "a new request runs: " + fresh);
    }

    @Test
    void aBadSignatureAtBeginIs403WithTheReasonAndNothingIsWritten() throws Exception {
        byte[] model = TestGateway.addModel(40f);
        TestTrust stranger = TestTrust.create(Files.createDirectories(home.resolve("elsewhere")));

        Answer a = op(ModelOps.DEPLOY, Deploys.begin("add", 2, stranger.manifest(ArtifactType.MODEL, "add", 2,
                model)));
        assertEquals(403, a.status(), a.toString());
        assertTrue(a.error().contains("UNTRUSTED_KEY"), a.toString());

        Answer other = op(ModelOps.DEPLOY, Deploys.begin("add", 2, gw.trust.manifest(ArtifactType.MODEL, "sub", 2,
                model)));
        assertEquals(403, other.status(), other.toString());
        assertTrue(other.error().contains("WRONG_ARTIFACT"), other.toString());
        assertEquals(0, files(uploads()));
        assertEquals(List.of("1"), versions());

        // signed, but other bytes arrive: refused at the end, nothing installed, the upload is gone
        String upload = begin(2, model);
        byte[] tampered = model.clone();
        tampered[tampered.length - 1] ^= 1;
        Answer end = Deploys.upload(client, gw.topic(ModelOps.DEPLOY), upload, tampered, 0, CHUNK);
        assertEquals(403, end.status(), end.toString());
        assertTrue(end.error().contains("CONTENT_MISMATCH"), end.toString());
        assertEquals(List.of("1"), versions());
        assertEquals(0, files(uploads()));
    }

    @Test
    void rollbackActivateAndRemove() throws Exception {
        byte[] model = TestGateway.addModel(50f);
        assertEquals(200, Deploys.upload(client, gw.topic(ModelOps.DEPLOY), begin(2, model), model, 0, 4096)
                .status());

        Answer back = op("models/rollback", "{\"name\": \"add\"}");
        assertEquals(200, back.status(), back.toString());
        assertEquals(1, back.result().path("serving").asLong());
        assertEquals("READY", back.result().path("state").asText());
        assertEquals("1", client.request(infer("add"), X.getBytes(StandardCharsets.UTF_8), TestClient.fresh(),
                List.of()).json().path("model_version").asText());

        Answer forward = op("models/activate", "{\"name\": \"add\", \"version\": 2}");
        assertEquals(200, forward.status(), forward.toString());
        assertEquals("2", client.request(infer("add"), X.getBytes(StandardCharsets.UTF_8), TestClient.fresh(),
                List.of()).json().path("model_version").asText());

        Answer refused = op("models/remove", "{\"name\": \"add\", \"version\": 2}");
        assertEquals(409, refused.status(), refused.toString());
        // without a response topic: done, answered nowhere
        client.send(gw.topic("models/remove"), "{\"name\": \"add\", \"version\": 2, \"force\": true}"
                .getBytes(StandardCharsets.UTF_8), TestClient.fresh(), List.of(), null);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Files.exists(home.resolve("models/add/2"))) {
            assertTrue(System.nanoTime() < deadline, "version 2 was not removed");
            TestGateway.sleep(20);
        }
    }
}
