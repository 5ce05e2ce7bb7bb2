package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.store.ModelStore;

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

    private GatewayProcess gateway;
    private Http http;

    @After
    public void killLeftovers() throws InterruptedException {
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start(String run) throws Exception {
        gateway.start(run);
        http = gateway.http();
    }

    private JsonNode awaitState(long version, String state) throws Exception {
        return gateway.awaitState(MODEL, version, state);
    }

    private String logText() {
        return gateway.logText();
    }

    @Test
    public void replayedAndUnsignedVersionsAreRefusedAfterARestartWhileTheAcceptedOneKeepsServing()
            throws Exception {
        gateway = new GatewayProcess("TrustRestartIT");
        Path home = gateway.home;
        Path models = home.resolve("models");
        Path accepted = home.resolve("data/trust/accepted.json");

        // 1. a signed version 2 is verified, installed and serves
        PlusModel.write(models, MODEL, 2);
        gateway.sign(MODEL, 2);
        start("first");
        awaitState(2, "READY");
        assertServedBy(2);
        assertTrue(logText(), logText().contains("Model " + MODEL + " version 2 verified"));
        gateway.stop();
        JsonNode record = Http.JSON.readTree(accepted.toFile());
        assertEquals(record.toString(), 2, record.path("versions").path("model/" + MODEL).asLong());

        // 2. version 1, signed properly but never installed, arrives while the gateway is down: after the restart
        //    the store refuses it as a replay (the record survived); version 2 was verified before the restart and
        //    is reused without a second check
        PlusModel.write(models, MODEL, 1);
        gateway.sign(MODEL, 1);
        start("second");
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
        gateway.awaitLog("Model " + MODEL + ": version policy is now");
        JsonNode v1 = awaitState(1, "FAILED");
        assertTrue(v1 + "\n" + logText(), v1.path("reason").asText().contains("REPLAYED"));
        assertRefusedOrAbsent(1, "REPLAYED");
        v3 = awaitState(3, "FAILED");
        assertTrue(v3 + "\n" + logText(), v3.path("reason").asText().contains("UNSIGNED"));
        assertServedBy(2);
        assertLatestIs(2);
        gateway.stop();
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


}
