package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.itests.MqttOperator.Reply;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Targets;

/**
 * Remote operations over MQTT v5 against the assembled distribution ({@code bin/edgegate} as a process) and a real
 * MQTT 5 broker (HiveMQ CE embedded in the test JVM): status, inference, chunked signed deploys under load, bundle
 * deploys that are refused or rolled back, an upload that survives a broker restart, bad input, idempotency.
 */
public class MqttIT {
    static final String GW = "it-gw";
    static final String PLUS = "plus";

    private static TestBroker broker;
    private static GatewayProcess gateway;
    private static MqttOperator operator;

    @BeforeClass
    public static void start() throws Exception {
        broker = TestBroker.start(Path.of(System.getProperty("edgegate.itest.dir"), "MqttIT-broker"));
        gateway = new GatewayProcess("MqttIT");
        gateway.config("io.edgegate.mqtt.cfg", broker.gatewayConfig(GW));
        PlusModel.write(gateway.models(), PLUS, 1);
        gateway.sign(PLUS, 1);
        gateway.start("run");
        gateway.awaitState(PLUS, 1, "READY");
        operator = new MqttOperator(broker.uri());
        awaitOnline();
    }

    @AfterClass
    public static void stop() throws Exception {
        if (operator != null) {
            operator.close();
        }
        if (gateway != null) {
            if (gateway.running()) {
                gateway.stop();
            }
            gateway.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** Until the gateway answers a status request: it connects in the background. */
    private static JsonNode awaitOnline() throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try (MqttOperator probe = new MqttOperator(broker.uri())) {
                Reply r = probe.request("edgegate/" + GW + "/req/status", "{}".getBytes(StandardCharsets.UTF_8),
                        "application/json", MqttOperator.correlation(), Map.of());
                assertEquals(r.toString(), 200, r.status());
                return r.json();
            } catch (AssertionError | Exception e) {
                assertTrue("the gateway did not answer over MQTT in 30 s: " + e + "\n" + gateway.logText(),
                        System.currentTimeMillis() < deadline);
                Thread.sleep(500);
            }
        }
    }

    static String body(Reply r) {
        return r + "\n";
    }

    private static ObjectNode plusRequest(float[] x) {
        ObjectNode req = Http.JSON.createObjectNode();
        ObjectNode in = req.putArray("inputs").addObject();
        in.put("name", "x").put("datatype", "FP32");
        in.putArray("shape").add(1).add(4);
        for (float f : x) {
            in.withArray("data").add(f);
        }
        return req;
    }

    private static Reply infer(MqttOperator op, String model, ObjectNode req) throws Exception {
        return op.request("edgegate/" + GW + "/infer/" + model, Http.JSON.writeValueAsBytes(req),
                "application/json", MqttOperator.correlation(), Map.of());
    }

    /** Begin plus every chunk of a deploy; returns the last reply. */
    static Reply deploy(MqttOperator op, String operation, String name, long version, byte[] content,
            byte[] manifest, int chunkSize) throws Exception {
        Reply begin = begin(op, operation, name, version, manifest);
        if (begin.status() != 200) {
            return begin;
        }
        return chunks(op, operation, begin, content, chunkSize, Integer.MAX_VALUE);
    }

    static Reply begin(MqttOperator op, String operation, String name, long version, byte[] manifest)
            throws Exception {
        return begin(op, operation, name, version, manifest, GW);
    }

    static Reply begin(MqttOperator op, String operation, String name, long version, byte[] manifest, String gw)
            throws Exception {
        ObjectNode b = Http.JSON.createObjectNode();
        b.put("name", name).put("version", version);
        b.set("manifest", Http.JSON.readTree(manifest));
        return op.operation(gw, operation, b.toString());
    }

    /** Sends chunks from the offset the begin reply names, at most {@code max} of them. */
    static Reply chunks(MqttOperator op, String operation, Reply begin, byte[] content, int chunkSize, int max)
            throws Exception {
        return chunks(op, operation, begin, content, chunkSize, max, GW);
    }

    static Reply chunks(MqttOperator op, String operation, Reply begin, byte[] content, int chunkSize, int max,
            String gw) throws Exception {
        String upload = begin.json().path("result").path("upload").asText();
        long offset = begin.json().path("result").path("offset").asLong();
        Reply last = begin;
        for (int n = 0; n < max && offset < content.length; n++) {
            int len = (int) Math.min(chunkSize, content.length - offset);
            byte[] chunk = Arrays.copyOfRange(content, (int) offset, (int) offset + len);
            last = op.request("edgegate/" + gw + "/req/" + operation, chunk, "application/octet-stream",
                    MqttOperator.correlation(), Map.of("upload", upload, "offset", Long.toString(offset)));
            if (last.status() != 202 && last.status() != 200) {
                return last;
            }
            offset += len;
        }
        return last;
    }

    @Test
    public void statusIsAnsweredAndRetained() throws Exception {
        Reply r = operator.operation(GW, "status", "{}");
        assertEquals(body(r), 200, r.status());
        JsonNode s = r.json().path("result");
        assertTrue(body(r), s.path("online").asBoolean());
        assertEquals(body(r), GW, s.path("gateway").asText());
        assertTrue(body(r), s.path("models").toString().contains("\"" + PLUS + "\""));
        JsonNode retained = Http.JSON.readTree(operator.next("edgegate/" + GW + "/status"));
        assertTrue(retained.toString(), retained.path("online").asBoolean());
    }

    @Test
    public void inferenceOverMqttAnswersLikeHttp() throws Exception {
        float[] x = {1f, 2.5f, -3f, 0f};
        Reply r = infer(operator, PLUS, plusRequest(x));
        assertEquals(body(r), 200, r.status());
        Http.Response h = gateway.http().post("/v2/models/" + PLUS + "/infer", plusRequest(x));
        assertEquals(h.json().path("outputs"), r.json().path("outputs"));

        // OIP's binary tensor data extension: a JSON header, then the raw little-endian floats
        ObjectNode binary = plusRequest(x);
        binary.putObject("parameters").put("binary_data_output", true);
        Reply b = infer(operator, PLUS, binary);
        assertEquals(body(b), 200, b.status());
        assertTrue("header length given", b.headerLength() > 0);
        JsonNode header = Http.JSON.readTree(Arrays.copyOf(b.body(), b.headerLength()));
        assertEquals(header.toString(), 16, header.path("outputs").get(0).path("parameters")
                .path("binary_data_size").asInt());
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.wrap(b.body(), b.headerLength(), 16)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            assertEquals(x[i] + 1, raw.getFloat(), 1e-6);
        }
    }

    @Test
    public void badInputGetsAnErrorReplyAndTheGatewayStaysHealthy() throws Exception {
        String req = "edgegate/" + GW + "/req/";
        for (Object[] c : new Object[][] {
            {req + "models/deploy", "{not json", 400},
            {req + "models/deploy", "{\"name\": \"m\", \"version\": \"three\"}", 400},
            {req + "models/deploy", "{\"name\": \"../escape\", \"version\": 1, \"manifest\": {}}", 400},
            {req + "no/such/operation", "{}", 404},
            {req + "config/set", "{\"pid\": \"io.edgegate.trust\", \"properties\": {\"enforce\": false}}", 403},
            {"edgegate/" + GW + "/infer/" + PLUS, "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", "
                    + "\"shape\": [1, 3], \"data\": [1, 2, 3]}]}", 400},
            {"edgegate/" + GW + "/infer/nope", "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", "
                    + "\"shape\": [1, 4], \"data\": [1, 2, 3, 4]}]}", 404},
        }) {
            Reply r = operator.request((String) c[0], ((String) c[1]).getBytes(StandardCharsets.UTF_8),
                    "application/json", MqttOperator.correlation(), Map.of());
            assertEquals(c[0] + " " + c[1] + " -> " + r, (int) (Integer) c[2], r.status());
            assertFalse(c[0] + " " + c[1] + " -> " + r, r.json().path("error").asText().isBlank());
        }
        byte[] huge = new byte[2 << 20];
        Reply r = operator.request(req + "status", huge, "application/json", MqttOperator.correlation(), Map.of());
        assertEquals(body(r), 413, r.status());
        // still healthy, over both protocols
        assertEquals(200, operator.operation(GW, "status", "{}").status());
        assertEquals(200, infer(operator, PLUS, plusRequest(new float[4])).status());
        assertEquals(200, gateway.http().get("/v2/health/ready").status());
    }

    @Test
    public void aSignedModelDeployedWhileFourClientsInferServesWithoutAFailedRequest() throws Exception {
        String model = "busy";
        PlusModel.write(gateway.home.resolve("staging"), model, 1);
        PlusModel.write(gateway.home.resolve("staging"), model, 2);
        byte[] v1 = Files.readAllBytes(gateway.home.resolve("staging/" + model + "/1/model.onnx"));
        byte[] v2 = Files.readAllBytes(gateway.home.resolve("staging/" + model + "/2/model.onnx"));
        Reply first = deploy(operator, "models/deploy", model, 1, v1,
                gateway.manifest(ArtifactType.MODEL, model, 1, v1), 64);
        assertEquals(body(first), 200, first.status());
        assertEquals(body(first), "READY", first.json().path("result").path("state").asText());

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong served = new AtomicLong();
        AtomicLong byTwo = new AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            boolean overMqtt = i % 2 == 0;
            Thread t = new Thread(() -> {
                try (MqttOperator own = overMqtt ? new MqttOperator(broker.uri()) : null) {
                    while (running.get()) {
                        float[] x = {ThreadLocalRandom.current().nextInt(100), 1, 2, 3};
                        JsonNode json;
                        if (overMqtt) {
                            Reply r = infer(own, model, plusRequest(x));
                            if (r.status() != 200) {
                                failures.add("MQTT " + r);
                                continue;
                            }
                            json = r.json();
                        } else {
                            Http.Response r = gateway.http().post("/v2/models/" + model + "/infer", plusRequest(x));
                            if (r.status() != 200) {
                                failures.add("HTTP " + r.status() + " " + r.body());
                                continue;
                            }
                            json = r.json();
                        }
                        long version = json.path("model_version").asLong();
                        double y = json.path("outputs").get(0).path("data").get(0).asDouble();
                        if (Math.abs(y - (x[0] + version)) > 1e-4) {
                            failures.add("version " + version + " answered " + y + " for " + x[0]);
                        }
                        served.incrementAndGet();
                        if (version == 2) {
                            byTwo.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }, "client-" + i);
            t.start();
            clients.add(t);
        }
        try {
            Thread.sleep(500);
            Reply r = deploy(operator, "models/deploy", model, 2, v2, gateway.manifest(ArtifactType.MODEL, model, 2,
                    v2), 64);
            assertEquals(body(r), 200, r.status());
            assertEquals(body(r), "READY", r.json().path("result").path("state").asText());
            long deadline = System.currentTimeMillis() + 30_000;
            while (byTwo.get() < 20 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }
        }
        assertTrue("failed requests: " + failures.size() + ", first: " + failures.peek(), failures.isEmpty());
        assertTrue("version 2 served " + byTwo + " of " + served, byTwo.get() >= 20);
    }

    @Test
    public void aRepeatedCorrelationIdDoesNotInstallTwice() throws Exception {
        String model = "once";
        PlusModel.write(gateway.home.resolve("staging"), model, 1);
        byte[] v1 = Files.readAllBytes(gateway.home.resolve("staging/" + model + "/1/model.onnx"));
        Reply begin = begin(operator, "models/deploy", model, 1, gateway.manifest(ArtifactType.MODEL, model, 1, v1));
        assertEquals(body(begin), 200, begin.status());
        String upload = begin.json().path("result").path("upload").asText();
        byte[] correlation = MqttOperator.correlation();
        Map<String, String> props = Map.of("upload", upload, "offset", "0");
        String topic = "edgegate/" + GW + "/req/models/deploy";
        Reply done = operator.request(topic, v1, "application/octet-stream", correlation, props);
        assertEquals(body(done), 200, done.status());
        Reply again = operator.request(topic, v1, "application/octet-stream", correlation, props);
        assertEquals("the same answer", done.toString(), again.toString());
        String log = gateway.logText();
        int installs = log.split("Model " + model + " version 1 verified", -1).length - 1;
        assertEquals("installed once:\n" + log, 1, installs);
    }

    @Test
    public void aBundleWithABadSignatureIsRejectedAndNothingInstalled() throws Exception {
        byte[] jar = bundle("it.mqtt.badsig", "1.0.0", null);
        byte[] otherKey = Ed25519Keys.generatePrivateKey(new java.security.SecureRandom());
        byte[] manifest = new io.edgegate.trust.format.Manifest(ArtifactType.BUNDLE, "it.mqtt.badsig", 1,
                KeyIds.sha256Hex(jar), jar.length, java.time.Instant.now().plusSeconds(3600), Targets.ANY, false)
                .toEnvelope().signedEd25519(otherKey).toJson();
        Reply r = deploy(operator, "bundles/install", "it.mqtt.badsig", 1, jar, manifest, 16 * 1024);
        assertEquals(body(r), 403, r.status());
        assertTrue(body(r), r.json().path("error").asText().contains("UNTRUSTED_KEY"));
        Reply list = operator.operation(GW, "bundles/list", "{}");
        assertFalse(body(list), list.text().contains("it.mqtt.badsig"));
    }

    @Test
    public void aBundleWhoseActivatorThrowsIsRolledBackAndTheOldOneStaysActive() throws Exception {
        String bsn = "it.mqtt.rollback";
        byte[] good = bundle(bsn, "1.0.0", null);
        Reply r = deploy(operator, "bundles/install", bsn, 1, good, gateway.manifest(ArtifactType.BUNDLE, bsn, 1,
                good), 16 * 1024);
        assertEquals(body(r), 200, r.status());
        byte[] bad = bundle(bsn, "2.0.0", io.edgegate.itests.bundle.ThrowingActivator.class);
        r = deploy(operator, "bundles/update", bsn, 2, bad, gateway.manifest(ArtifactType.BUNDLE, bsn, 2, bad),
                16 * 1024);
        assertTrue(body(r), r.status() >= 400);
        assertTrue(body(r), r.json().path("error").asText().contains("refuses to start"));
        JsonNode list = operator.operation(GW, "bundles/list", "{}").json().path("result").path("bundles");
        JsonNode ours = null;
        for (JsonNode b : list) {
            if (bsn.equals(b.path("symbolicName").asText())) {
                ours = b;
            }
        }
        assertTrue(list.toString(), ours != null);
        assertEquals(ours.toString(), "1.0.0", ours.path("version").asText());
        assertEquals(ours.toString(), "ACTIVE", ours.path("state").asText());
    }

    @Test
    public void anUploadResumesAfterABrokerRestartAndCompletesOnce() throws Exception {
        String model = "resumed";
        byte[] content;
        try (InputStream in = MqttIT.class.getResourceAsStream(MiniLmInputs.RESOURCE)) {
            content = in.readAllBytes();
        }
        byte[] manifest = gateway.manifest(ArtifactType.MODEL, model, 1, content);
        int chunk = 256 * 1024;
        Reply begin = begin(operator, "models/deploy", model, 1, manifest);
        assertEquals(body(begin), 200, begin.status());
        Reply part = chunks(operator, "models/deploy", begin, content, chunk, 20);
        assertEquals(body(part), 202, part.status());

        operator.close();
        broker.stop();
        Thread.sleep(1500);
        broker.start();
        operator = new MqttOperator(broker.uri());
        awaitOnline();

        Reply again = begin(operator, "models/deploy", model, 1, manifest);
        assertEquals(body(again), 200, again.status());
        long offset = again.json().path("result").path("offset").asLong();
        assertEquals("resumes where it stopped", 20L * chunk, offset);
        Reply done = chunks(operator, "models/deploy", again, content, chunk, Integer.MAX_VALUE);
        assertEquals(body(done), 200, done.status());
        assertEquals(body(done), "READY", done.json().path("result").path("state").asText());
        assertTrue(Arrays.equals(content, Files.readAllBytes(gateway.models().resolve(model + "/1/model.onnx"))));
        String log = gateway.logText();
        assertEquals("installed once:\n" + log, 1,
                log.split("Model " + model + " version 1 verified", -1).length - 1);
    }

    /** Runs edgectl in this JVM as an operator would run it; returns exit code and everything it printed. */
    static Object[] edgectl(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cl = io.edgegate.edgectl.Edgectl.commandLine();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(out, true));
        int rc = cl.execute(args);
        return new Object[] {rc, out.toString()};
    }

    @Test
    public void edgectlDeploysAndQueriesTheRealGateway() throws Exception {
        String[] common = {"--broker", broker.uri(), "--gateway", GW};
        Object[] status = edgectl(concat(new String[] {"status", "--json"}, common));
        assertEquals(status[1].toString(), 0, status[0]);
        assertTrue(status[1].toString(), status[1].toString().contains("\"online\""));

        Path staging = gateway.home.resolve("edgectl");
        PlusModel.write(staging, "via-edgectl", 4);
        Path file = staging.resolve("via-edgectl/4/model.onnx");
        Files.write(file.resolveSibling("model.onnx.manifest.json"), gateway.manifest(ArtifactType.MODEL,
                "via-edgectl", 4, Files.readAllBytes(file)));
        Object[] deploy = edgectl(concat(new String[] {"deploy", "model", file.toString(), "--name", "via-edgectl",
            "--version", "4", "--progress", "lines", "--chunk-size", "1k"}, common));
        assertEquals(deploy[1].toString(), 0, deploy[0]);
        assertTrue(deploy[1].toString(), deploy[1].toString().contains("READY"));
        gateway.awaitState("via-edgectl", 4, "READY");

        Object[] infer = edgectl(concat(new String[] {"infer", "via-edgectl", "--input", "x:FP32:1,4:1,2,3,4"},
                common));
        assertEquals(infer[1].toString(), 0, infer[0]);
        assertTrue(infer[1].toString(), infer[1].toString().contains("5") && infer[1].toString().contains("8"));

        Object[] config = edgectl(concat(new String[] {"config", "get", "io.edgegate.mqtt", "--json"}, common));
        assertEquals(config[1].toString(), 0, config[0]);

        // the same version again: the gateway refuses it (a signed version is never replaced), edgectl says so
        Object[] again = edgectl(concat(new String[] {"deploy", "model", file.toString(), "--name", "via-edgectl",
            "--version", "4", "--progress", "none"}, common));
        assertEquals(again[1].toString(), 1, again[0]);
        assertTrue(again[1].toString(), again[1].toString().contains("refused: 409")
                && again[1].toString().contains("never replaced"));

        // a gateway that is not there: a clear message and its own exit code
        Object[] none = edgectl("status", "--broker", broker.uri(), "--gateway", "no-such-gateway", "--timeout",
                "3s");
        assertEquals(none[1].toString(), 3, none[0]);
        assertTrue(none[1].toString(), none[1].toString().contains("no-such-gateway"));
    }

    static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** A minimal bundle jar, with {@code activator} packed in and declared when given. */
    static byte[] bundle(String bsn, String version, Class<?> activator) throws IOException {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        if (activator != null) {
            a.putValue("Bundle-Activator", activator.getName());
            a.putValue("Import-Package", "org.osgi.framework");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, mf)) {
            jar.putNextEntry(new JarEntry("readme.txt"));
            jar.write((bsn + " " + version).getBytes(StandardCharsets.UTF_8));
            if (activator != null) {
                String path = activator.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(path));
                try (InputStream in = activator.getClassLoader().getResourceAsStream(path)) {
                    in.transferTo(jar);
                }
            }
        }
        return out.toByteArray();
    }
}
