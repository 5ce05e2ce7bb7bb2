package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;

/**
 * The replay defence of the assembled distribution across a restart, with {@code bin/edgegate} as a process and
 * the distribution's own trust root (the build's development key): a signed version 2 is installed and serves;
 * after SIGTERM and a start on the same gateway folder, a properly signed but older version 1 is refused as
 * REPLAYED (the replay record in {@code data/trust/accepted.json} survived), version 2 is reused without a second
 * verification and keeps serving, and an unsigned version 3 is refused as UNSIGNED without displacing it. Under
 * the default policy (latest 1) the refused version 1 need not appear in the metadata at all; with the policy
 * {@code all} every version is tried and it shows as FAILED, REPLAYED.
 */
public class TrustRestartIT {
    private static final String MODEL = "counter";
    private static final long READY_TIMEOUT_MS = 30_000;
    private static final float[] X = {1.5f, -2f, 0f, 40f};

    private Process process;
    private Path log;
    private Http http;

    @After
    public void killLeftovers() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void replayedAndUnsignedVersionsAreRefusedAfterARestartWhileTheAcceptedOneKeepsServing()
            throws Exception {
        Path dist = Path.of(System.getProperty("edgegate.dist")).toAbsolutePath().normalize();
        assertTrue("the distribution is built: " + dist, Files.isExecutable(dist.resolve("bin/edgegate")));
        Path devKey = dist.resolveSibling("dev-keys").resolve("dev.key");
        assertTrue("the build's development key: " + devKey, Files.isRegularFile(devKey));
        byte[] key = Ed25519Keys.privateKeyFromPem(Files.readString(devKey, StandardCharsets.US_ASCII));

        Path home = gatewayHome(dist);
        Path models = home.resolve("models");
        Path accepted = home.resolve("data/trust/accepted.json");

        // 1. a signed version 2 is verified, installed and serves
        PlusModel.write(models, MODEL, 2);
        sign(key, models, MODEL, 2);
        start(home, "first");
        awaitState(2, "READY");
        assertServedBy(2);
        assertTrue(logText(), logText().contains("Model " + MODEL + " version 2 verified"));
        stop();
        JsonNode record = Http.JSON.readTree(accepted.toFile());
        assertEquals(record.toString(), 2, record.path("versions").path("model/" + MODEL).asLong());

        // 2. version 1, signed properly but never installed, arrives while the gateway is down: after the restart
        //    the store refuses it as a replay (the record survived); version 2 was verified before the restart and
        //    is reused without a second check
        PlusModel.write(models, MODEL, 1);
        sign(key, models, MODEL, 1);
        start(home, "second");
        awaitState(2, "READY");
        assertServedBy(2);
        assertTrue("the store refuses version 1 as a replay:\n" + logText(), logText().lines().anyMatch(
                l -> l.contains("Model " + MODEL + " version 1 cannot be served") && l.contains("REPLAYED")));
        assertFalse("version 2 is reused, not verified again:\n" + logText(),
                logText().contains("Model " + MODEL + " version 2 verified"));
        // the refusal is shown even though the policy (latest 1) would not load version 1 anyway
        JsonNode refused = awaitState(1, "FAILED");
        assertTrue(refused + "\n" + logText(), refused.path("reason").asText().contains("REPLAYED"));
        assertRefusedOrAbsent(1, "REPLAYED");

        // 3. an unsigned version 3 (no manifest), dropped in while it runs: FAILED, and version 2 keeps serving
        //    (a failed newer version never displaces the one that serves)
        Path staging = home.resolve("staging");
        PlusModel.write(staging, MODEL, 3);
        Files.move(staging.resolve(MODEL).resolve("3"), models.resolve(MODEL).resolve("3"),
                StandardCopyOption.ATOMIC_MOVE);
        JsonNode v3 = awaitState(3, "FAILED");
        assertTrue(v3 + "\n" + logText(), v3.path("reason").asText().contains("UNSIGNED"));
        assertServedBy(2);
        assertLatestIs(2);

        // 4. every version is tried once the policy says "all": version 1 shows as FAILED, REPLAYED, version 3 is
        //    still FAILED, UNSIGNED, and version 2 still serves
        Files.writeString(staging.resolve("model.json"), "{\"version_policy\": {\"all\": {}}}");
        Files.move(staging.resolve("model.json"), models.resolve(MODEL).resolve(ModelStore.CONFIG_FILE),
                StandardCopyOption.ATOMIC_MOVE);
        awaitLog("Model " + MODEL + ": version policy is now");
        JsonNode v1 = awaitState(1, "FAILED");
        assertTrue(v1 + "\n" + logText(), v1.path("reason").asText().contains("REPLAYED"));
        assertRefusedOrAbsent(1, "REPLAYED");
        v3 = awaitState(3, "FAILED");
        assertTrue(v3 + "\n" + logText(), v3.path("reason").asText().contains("UNSIGNED"));
        assertServedBy(2);
        assertLatestIs(2);
        stop();
        record = Http.JSON.readTree(accepted.toFile());
        assertEquals("refusals neither lower nor raise the replay floor: " + record, 2,
                record.path("versions").path("model/" + MODEL).asLong());
        try (Stream<Path> installed = Files.list(home.resolve("data/models").resolve(MODEL))) {
            assertEquals("only version 2 was installed", List.of("2"),
                    installed.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /** The version is not served: no READY metadata (absent, or FAILED for {@code reason}), inference refused. */
    private void assertRefusedOrAbsent(long version, String reason) throws Exception {
        String path = "/v2/models/" + MODEL + "/versions/" + version;
        Http.Response meta = http.get(path);
        if (meta.status() == 200) {
            assertEquals(meta.body() + "\n" + logText(), "FAILED", meta.json().path("state").asText());
            assertTrue(meta.body() + "\n" + logText(), meta.json().path("reason").asText().contains(reason));
        } else {
            assertEquals(meta.body() + "\n" + logText(), 404, meta.status());
        }
        Http.Response infer = http.post(path + "/infer", request());
        assertTrue(infer.status() + " " + infer.body(), infer.status() >= 400);
    }

    /** The model's metadata without a version: the one that serves. */
    private void assertLatestIs(long version) throws Exception {
        JsonNode latest = http.get("/v2/models/" + MODEL).json();
        assertEquals(latest + "\n" + logText(), Long.toString(version), latest.path("version").asText());
        assertEquals(latest + "\n" + logText(), "READY", latest.path("state").asText());
    }

    /**
     * A gateway folder of its own under {@code edgegate.itest.dir}, fresh each run: the distribution's config/
     * (with its trust root) copied, its bin/edgegate copied (the script takes the folder above bin/ as the
     * gateway folder), and its lib/, bundles/ and features/ linked.
     */
    private static Path gatewayHome(Path dist) throws IOException {
        Path home = Path.of(System.getProperty("edgegate.itest.dir")).resolve("TrustRestartIT").toAbsolutePath();
        TestGateway.deleteTree(home);
        Files.createDirectories(home.resolve("bin"));
        Files.copy(dist.resolve("bin/edgegate"), home.resolve("bin/edgegate"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(home.resolve("config"));
        try (Stream<Path> files = Files.list(dist.resolve("config"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, home.resolve("config").resolve(f.getFileName()));
            }
        }
        assertTrue("the distribution ships a trust root", Files.isRegularFile(home.resolve("config/trust-root.json")));
        for (String dir : List.of("lib", "bundles", "features")) {
            Files.createSymbolicLink(home.resolve(dir), dist.resolve(dir));
        }
        Files.createDirectories(home.resolve("models"));
        return home;
    }

    /** Writes the manifest of {@code <models>/<name>/<version>/model.onnx} as it is now, as edgectl sign does. */
    private static void sign(byte[] key, Path models, String name, long version) throws Exception {
        Path model = models.resolve(name).resolve(Long.toString(version)).resolve(ModelStore.MODEL_FILE);
        byte[] bytes = Files.readAllBytes(model);
        Manifest manifest = new Manifest(ArtifactType.MODEL, name, version, KeyIds.sha256Hex(bytes), bytes.length,
                Instant.now().plus(Duration.ofDays(1)), Targets.ANY, false);
        Files.write(model.resolveSibling(ModelStore.MANIFEST_FILE), manifest.toEnvelope().signedEd25519(key).toJson());
    }

    /** Starts {@code bin/edgegate} of {@code home} on a free port and waits until it is ready. */
    private void start(Path home, String run) throws Exception {
        int port = TestGateway.freePort();
        log = Files.createDirectories(home.resolve("logs")).resolve(run + ".log");
        process = new ProcessBuilder(home.resolve("bin/edgegate").toString(), "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        http = new Http(port);
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (true) {
            assertTrue("exited early (" + run + " start):\n" + logText(), process.isAlive());
            try {
                if (http.get("/v2/health/ready").status() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue("not ready in " + READY_TIMEOUT_MS / 1000 + " s (" + run + " start):\n" + logText(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
    }

    /** SIGTERM: the gateway stops cleanly with exit code 0. */
    private void stop() throws Exception {
        process.destroy();
        assertTrue("stopped within 30 s:\n" + logText(), process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(logText(), 0, process.exitValue());
        assertTrue(logText(), logText().contains("Edgegate stopped"));
    }

    /** Polls the version's metadata until its state is {@code state}; returns that metadata. */
    private JsonNode awaitState(long version, String state) throws Exception {
        String path = "/v2/models/" + MODEL + "/versions/" + version;
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        Http.Response last;
        while (true) {
            last = http.get(path);
            if (last.status() == 200 && state.equals(last.json().path("state").asText())) {
                return last.json();
            }
            assertTrue(path + " not " + state + " in " + READY_TIMEOUT_MS / 1000 + " s, last answer " + last.status()
                    + " " + last.body() + "\n" + logText(), System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
    }

    /** Waits until the log has a line containing {@code text}. */
    private void awaitLog(String text) throws InterruptedException {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (!logText().contains(text)) {
            assertTrue("no '" + text + "' in the log in " + READY_TIMEOUT_MS / 1000 + " s:\n" + logText(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
    }

    /** An inference without a version (the one that serves) and one on the version itself: y = x + version. */
    private void assertServedBy(long version) throws Exception {
        ObjectNode req = request();
        for (String path : List.of("/v2/models/" + MODEL + "/infer",
                "/v2/models/" + MODEL + "/versions/" + version + "/infer")) {
            Http.Response r = http.post(path, req);
            assertEquals(path + ": " + r.body() + "\n" + logText(), 200, r.status());
            JsonNode json = r.json();
            assertEquals(path + ": " + r.body(), Long.toString(version), json.path("model_version").asText());
            JsonNode data = json.path("outputs").get(0).path("data");
            assertEquals(r.body(), 4, data.size());
            for (int i = 0; i < 4; i++) {
                assertEquals(r.body(), X[i] + version, data.get(i).asDouble(), 1e-4);
            }
        }
    }

    private static ObjectNode request() {
        ObjectNode req = Http.JSON.createObjectNode();
        ObjectNode in = req.putArray("inputs").addObject();
        in.put("name", "x").put("datatype", "FP32");
        in.putArray("shape").add(1).add(4);
        for (float f : X) {
            in.withArray("data").add(f);
        }
        return req;
    }

    private String logText() {
        try {
            return log == null ? "(no log)" : Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }
}
