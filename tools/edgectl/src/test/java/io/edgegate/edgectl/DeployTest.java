package io.edgegate.edgectl;

import static io.edgegate.edgectl.EdgectlTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.edgectl.EdgectlTest.Result;
import io.edgegate.edgectl.Responder.Answer;
import io.edgegate.edgectl.Responder.Fault;
import io.edgegate.edgectl.Responder.Request;

/**
 * {@code edgectl deploy} against a real broker and a stand-in gateway that holds uploads as docs/mqtt.md describes:
 * chunk offsets, resumption from what the gateway holds, lost replies, a dropped connection, the last chunk's retry with
 * the same correlation data, giving up, and the gateway's refusals.
 */
@ExtendWith(Broker.Resolver.class)
class DeployTest {
    private static final int CHUNK = 64 * 1024;
    private static final int SIZE = 300_000; // 5 chunks, the last one short
    private static final String UPLOAD = "u-minilm-3";

    private static final String GW = "gw-d";
    /** One stand-in gateway for the class (connecting costs Paho ~0.4 s), reset before every test. */
    private static Responder gw;
    @TempDir
    static Path dir;
    static Path model;
    static byte[] bytes;

    @BeforeAll
    static void signedModel(Broker broker) throws Exception {
        model = dir.resolve("minilm.onnx");
        bytes = new byte[SIZE];
        new Random(3).nextBytes(bytes);
        Files.write(model, bytes);
        EdgectlTest.ok("keys", "generate", "--out", dir.resolve("keys"), "--name", "ops");
        EdgectlTest.ok("sign", model, "--type", "model", "--name", "minilm", "--version", "3", "--expires", "30d",
                "--key", dir.resolve("keys/ops.key"));
        gw = new Responder(broker, GW);
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    @BeforeEach
    void reset() {
        gw.reset();
    }

    private static Result deploy(Broker broker, String gatewayId, Object... args) {
        List<Object> all = new ArrayList<>(List.of("deploy"));
        all.addAll(Arrays.asList(args));
        all.addAll(List.of("--broker", broker.uri(), "--gateway", gatewayId, "--chunk-size", "64k"));
        return run(all.toArray());
    }

    private static List<Long> offsets(List<Request> chunks) {
        return chunks.stream().map(Request::offset).toList();
    }

    private static List<Long> allChunkOffsets() {
        return LongStream.iterate(0, o -> o < SIZE, o -> o + CHUNK).boxed().toList();
    }

    @Test
    void uploadsInChunksAndPrintsReady(Broker broker) throws Exception {
        Result r = deploy(broker, GW, "model", model, "--name", "minilm", "--version", "3", "--progress",
                "lines");
        assertEquals(0, r.code(), r::all);
        assertEquals("model minilm version 3 on gateway gw-d: READY", r.out().strip());

        Request begin = gw.requests("models/deploy").get(0);
        assertEquals("application/json", begin.contentType());
        assertEquals(Responder.JSON.readTree("{\"name\": \"minilm\", \"version\": 3}").get("name"),
                begin.json().get("name"));
        assertEquals(3, begin.json().get("version").asLong());
        assertEquals(Responder.JSON.readTree(dir.resolve("minilm.onnx.manifest.json").toFile()),
                begin.json().get("manifest"), "the manifest travels as a JSON object");

        List<Request> chunks = gw.chunks();
        assertEquals(allChunkOffsets(), offsets(chunks));
        Set<String> correlations = new HashSet<>();
        for (Request c : chunks) {
            assertEquals("edgegate/gw-d/req/models/deploy", c.topic());
            assertEquals(UPLOAD, c.userProperties().get("upload"));
            assertEquals(1, c.qos());
            assertEquals(begin.responseTopic(), c.responseTopic());
            correlations.add(java.util.HexFormat.of().formatHex(c.correlation()));
        }
        assertEquals(chunks.size(), correlations.size(), "every chunk is a request of its own");
        assertArrayEquals(bytes, gw.uploads.get(UPLOAD).toByteArray());

        // A line per 10 % when stderr is not a terminal.
        List<String> lines = r.err().lines().toList();
        assertEquals(List.of(" 21%", " 43%", " 65%", " 87%", "100%"),
                lines.stream().map(l -> l.substring("model minilm 3: ".length()).substring(0, 4)).toList(), r.err());
        assertTrue(lines.get(1).matches("model minilm 3:  43% 128\\.0 KiB of 293\\.0 KiB, [0-9.]+ [KMG]?i?B/s"),
                lines.get(1));
        assertTrue(lines.get(4).startsWith("model minilm 3: 100% 293.0 KiB of 293.0 KiB"), r.err());
    }

    @Test
    void progressBarRedrawsInPlace(Broker broker) throws Exception {
        Result r = deploy(broker, GW, "model", model, "--progress", "bar");
        assertEquals(0, r.code(), r::all);
        assertTrue(r.err().contains("\rmodel minilm 3 [###"), r.err());
        assertTrue(r.err().contains("[##############################] 100% 293.0 KiB of 293.0 KiB"), r.err());
        assertTrue(r.err().endsWith("\n"), "the bar's line is finished");
    }

    @Test
    void resumesFromWhatTheGatewayHolds(Broker broker) throws Exception {
        gw.holds(UPLOAD, Arrays.copyOf(bytes, 100_000));
        Result r = deploy(broker, GW, "model", model, "--progress", "lines");
        assertEquals(0, r.code(), r::all);
        assertTrue(r.err().contains("resuming at 97.7 KiB of 293.0 KiB"), r.err());
        assertEquals(List.of(100_000L, 165_536L, 231_072L, 296_608L), offsets(gw.chunks()));
        assertArrayEquals(bytes, gw.uploads.get(UPLOAD).toByteArray());
    }

    @Test
    void aLostReplyMeansBeginAgainAndGoOnFromTheGatewaysOffset(Broker broker) throws Exception {
        gw.trap(q -> q.isChunk() && q.offset() == 2 * CHUNK, Fault.LOSE_REPLY);
        Result r = deploy(broker, GW, "model", model, "--timeout", "1s", "--progress", "lines");
        assertEquals(0, r.code(), r::all);
        assertTrue(r.err().contains("no answer to the chunk at 128.0 KiB (no reply within 1 s); retry 1 of 5"),
                r.err());
        assertEquals(2, gw.requests("models/deploy").stream().filter(q -> !q.isChunk()).count(), "begun again");
        assertEquals(allChunkOffsets(), offsets(gw.chunks()), "the stored chunk is not sent again");
        assertArrayEquals(bytes, gw.uploads.get(UPLOAD).toByteArray());
    }

    @Test
    void aDroppedConnectionIsReconnectedAndResumed(Broker broker) throws Exception {
        gw.trap(q -> q.isChunk() && q.offset() == CHUNK, Fault.DROP_CONNECTION);
        Result r = deploy(broker, GW, "model", model, "--progress", "lines");
        assertEquals(0, r.code(), r::all);
        assertTrue(r.err().contains("lost") && r.err().contains("reconnecting, retry 1 of 5"), r.err());
        assertTrue(r.err().contains("resuming at 128.0 KiB"), r.err());
        assertEquals(2, gw.requests("models/deploy").stream().filter(q -> !q.isChunk()).count());
        List<Request> begins = gw.requests("models/deploy").stream().filter(q -> !q.isChunk()).toList();
        assertEquals(begins.get(0).responseTopic(), begins.get(1).responseTopic(), "the same reply topic");
        assertArrayEquals(bytes, gw.uploads.get(UPLOAD).toByteArray());
    }

    @Test
    void aBusyGatewayIsAskedAgainAfterAPause(Broker broker) throws Exception {
        gw.trap(q -> q.isChunk() && q.offset() == CHUNK, Fault.BUSY);
        Result r = deploy(broker, GW, "model", model, "--progress", "lines");
        assertEquals(0, r.code(), r::all);
        assertTrue(r.err().contains("gateway busy (models/deploy: busy, try again); retry 1 of 5"), r.err());
        assertEquals(List.of(0L, (long) CHUNK, (long) CHUNK, 2L * CHUNK, 3L * CHUNK, 4L * CHUNK),
                offsets(gw.chunks()));
        assertArrayEquals(bytes, gw.uploads.get(UPLOAD).toByteArray());
    }

    @Test
    void theLastChunkIsRetriedWithItsCorrelationDataSoTheGatewayAnswersFromItsCache(Broker broker)
            throws Exception {
        long last = 4L * CHUNK;
        gw.trap(q -> q.isChunk() && q.offset() == last, Fault.LOSE_REPLY);
        Result r = deploy(broker, GW, "model", model, "--install-timeout", "1s", "--progress", "none");
        assertEquals(0, r.code(), r::all);
        assertTrue(r.out().contains("READY"), r.out());
        List<Request> lastChunks = gw.chunks().stream().filter(q -> q.offset() == last).toList();
        assertEquals(2, lastChunks.size());
        assertArrayEquals(lastChunks.get(0).correlation(), lastChunks.get(1).correlation());
        assertEquals(5, gw.executed.get("chunk"), "the retry was answered, not executed again");
        assertEquals(1, gw.requests("models/deploy").stream().filter(q -> !q.isChunk()).count());
    }

    @Test
    void givesUpAfterTheRetriesAndSaysHowToResume(Broker broker) throws Exception {
        for (int i = 0; i < 3; i++) {
            gw.trap(q -> q.isChunk() && q.offset() == CHUNK, Fault.IGNORE);
        }
        Result r = deploy(broker, GW, "model", model, "--timeout", "1s", "--retries", "2", "--progress", "none");
        assertEquals(3, r.code(), r::all);
        assertTrue(r.err().startsWith("edgectl deploy model: upload of " + model + " given up after 2 retries: no "
                + "answer from gateway 'gw-d' on " + broker.uri() + " within 1 s"), r.err());
        assertTrue(r.err().strip().endsWith("(run the same command again to resume)"), r.err());
        assertEquals(List.of(0L, (long) CHUNK, (long) CHUNK, (long) CHUNK), offsets(gw.chunks()));
    }

    @Test
    void aSilentGatewayFailsAtOnceInsteadOfRetrying(Broker broker) throws Exception {
        gw.trap(q -> !q.isChunk(), Fault.IGNORE);
        Result r = deploy(broker, GW, "model", model, "--timeout", "500ms");
        assertEquals(3, r.code(), r::all);
        assertTrue(r.err().contains("no answer from gateway 'gw-d' on " + broker.uri() + " within 500 ms (is it "
                + "connected? check edgegate/gw-d/status)"), r.err());
        assertEquals(1, gw.received.size());
    }

    @Test
    void aRefusedManifestStopsBeforeAnyUpload(Broker broker) throws Exception {
        gw.handlers.put("models/deploy", q -> Answer.error(403, "models/deploy: BAD_SIGNATURE: no signature by a "
                + "trusted key", null));
        Result r = deploy(broker, GW, "model", model);
        assertEquals(1, r.code(), r::all);
        assertEquals("edgectl deploy model: gateway gw-d refused: 403 models/deploy: BAD_SIGNATURE: no signature "
                + "by a trusted key", r.err().strip());
        assertTrue(gw.chunks().isEmpty());
    }

    @Test
    void aVersionThatFailsToLoadIsExitOneWithTheReason(Broker broker) throws Exception {
        gw.finalResult = Responder.JSON.createObjectNode().put("name", "minilm").put("version", 3)
                .put("state", "FAILED").put("reason", "cannot create a session: invalid graph");
        Result r = deploy(broker, GW, "model", model, "--progress", "none");
        assertEquals(1, r.code(), r::all);
        assertEquals("edgectl deploy model: model minilm version 3 FAILED on gateway gw-d: cannot create a session: "
                + "invalid graph", r.err().strip());
    }

    @Test
    void bundlesInstallOrUpdateByTheirSymbolicName(Broker broker) throws Exception {
        Path jar = dir.resolve("x.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Bundle-SymbolicName", "io.example.x;singleton:=true");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, mf)) {
            j.putNextEntry(new java.util.jar.JarEntry("io/example/x/data.bin"));
            j.write(bytes, 0, 70_000);
        }
        EdgectlTest.ok("sign", jar, "--type", "bundle", "--name", "io.example.x", "--version", "2", "--expires",
                "30d", "--key", dir.resolve("keys/ops.key"));
        Result install = deploy(broker, GW, "bundle", jar, "--progress", "none");
        assertEquals(0, install.code(), install::all);
        Result update = deploy(broker, GW, "bundle", jar, "--update", "--progress", "none");
        assertEquals(0, update.code(), update::all);
        assertEquals("io.example.x", gw.requests("bundles/install").get(0).json().get("name").asText());
        assertEquals(2, gw.requests("bundles/install").get(0).json().get("version").asLong());
        assertFalse(gw.requests("bundles/update").isEmpty());

        EdgectlTest.ok("sign", jar, "--type", "bundle", "--name", "io.example.y", "--version", "2", "--expires",
                "30d", "--key", dir.resolve("keys/ops.key"));
        Result wrong = deploy(broker, GW, "bundle", jar);
        assertEquals(2, wrong.code(), wrong::all);
        assertTrue(wrong.err().contains("the manifest is for bundle io.example.y, but " + jar + " is io.example.x"),
                wrong.err());
    }

    @Test
    void mistakesAreCaughtBeforeConnecting(@TempDir Path own) throws Exception {
        String nowhere = "tcp://127.0.0.1:" + Broker.freePort();
        Path model = Files.copy(DeployTest.model, own.resolve("minilm.onnx"));
        Files.copy(dir.resolve("minilm.onnx.manifest.json"), own.resolve("minilm.onnx.manifest.json"));
        Result name = run("deploy", "model", model, "--name", "other", "--broker", nowhere, "--gateway", "gw");
        assertEquals(2, name.code(), name::all);
        assertTrue(name.err().contains("the manifest is for model minilm, not --name other"), name.err());

        Files.write(model, new byte[] {1, 2, 3});
        Result changed = run("deploy", "model", model, "--broker", nowhere, "--gateway", "gw");
        assertEquals(2, changed.code(), changed::all);
        assertTrue(changed.err().contains("is not the file manifest"), changed.err());

        Result chunk = run("deploy", "model", model, "--chunk-size", "2m", "--broker", nowhere, "--gateway", "gw");
        assertEquals(2, chunk.code(), chunk::all);

        Result bundle = run("deploy", "bundle", model, "--manifest", own.resolve("minilm.onnx.manifest.json"),
                "--broker", nowhere, "--gateway", "gw");
        assertEquals(2, bundle.code(), bundle::all);
        assertTrue(bundle.err().contains("is for a model, not a bundle"), bundle.err());
    }
}
