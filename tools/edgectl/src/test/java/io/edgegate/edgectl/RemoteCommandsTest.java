package io.edgegate.edgectl;

import static io.edgegate.edgectl.EdgectlTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.edgectl.EdgectlTest.Result;
import io.edgegate.edgectl.Responder.Answer;
import io.edgegate.edgectl.Responder.Request;

/**
 * The one-request commands (status, config, models, bundles, infer) against a real broker and a stand-in gateway: what
 * goes on the wire, what the operator reads, and the failures: the gateway's error, silence, no broker.
 */
@ExtendWith(Broker.Resolver.class)
class RemoteCommandsTest {
    private static final JsonNode EMPTY = Responder.JSON.createObjectNode();

    private static final String GW = "gw-r";
    /** One stand-in gateway for the class (connecting costs Paho ~0.4 s), reset before every test. */
    private static Responder gw;

    @TempDir
    Path dir;

    @BeforeAll
    static void start(Broker broker) throws Exception {
        gw = new Responder(broker, GW, "edgegate/fleet/f1/infer/#");
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    @BeforeEach
    void reset() {
        gw.reset();
    }

    static Result edgectl(Broker broker, String gateway, Object... args) {
        List<Object> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--broker", broker.uri(), "--gateway", gateway));
        return run(all.toArray());
    }

    @Test
    void statusIsOneMqtt5RequestAndReadsWell(Broker broker) throws Exception {
        Result r = edgectl(broker, GW, "status");
        assertEquals(0, r.code(), r::all);
        assertTrue(r.out().contains("gateway: gw-r"), r.out());
        assertTrue(r.out().matches("(?s).*NAME\\s+VERSION\\s+STATE\\s+PROVIDER\\s+SHA256.*"), r.out());
        assertTrue(r.out().matches("(?s).*minilm\\s+3\\s+READY\\s+cpu\\s+abababababab….*"), r.out());

        Request req = gw.requests("status").get(0);
        assertEquals("edgegate/gw-r/req/status", req.topic());
        assertTrue(req.responseTopic().matches("edgegate/clients/[0-9a-f]{16}/reply"), req.responseTopic());
        assertEquals(16, req.correlation().length);
        assertEquals(1, req.qos());
        assertEquals("application/json", req.contentType());
        assertEquals(EMPTY, req.json());

        Result json = edgectl(broker, GW, "status", "--json");
        assertEquals(0, json.code(), json::all);
        assertEquals(gw.status(), Responder.JSON.readTree(json.out()));
        Request second = gw.requests("status").get(1);
        assertFalse(Arrays.equals(req.correlation(), second.correlation()), "fresh correlation data per command");
        assertNotEquals(req.responseTopic(), second.responseTopic());
    }

    @Test
    void optimizeShowsTheGatewaysProgressThenTheReport(Broker broker) throws Exception {
        gw.handlers.put("models/optimize", q -> {
            for (double p : new double[] {0.0, 0.35, 0.7, 0.85, 1.0}) {
                gw.interim(q, Answer.ok(202, Responder.JSON.createObjectNode().put("progress", p)
                        .put("message", p < 0.7 ? "quantizing" : "comparing outputs")));
                try {
                    Thread.sleep(150); // longer in all than --timeout: progress keeps the command waiting
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            ObjectNode report = Responder.JSON.createObjectNode().put("outcome", "ACCEPTED").put("key", "k1");
            report.putObject("metrics").put("cosineMean", 0.995);
            return Answer.ok(200, report);
        });
        Result r = edgectl(broker, GW, "optimize", "minilm", "3", "int8-dynamic", "--option", "perChannel=false",
                "-o", "minCosine=0.995", "--timeout", "400ms");
        assertEquals(0, r.code(), r::all);
        assertTrue(r.err().contains("optimize:  35% quantizing") && r.err().contains("optimize: 100% comparing "
                + "outputs"), r.err());
        assertTrue(r.out().contains("outcome: ACCEPTED") && r.out().contains("cosineMean: 0.995"), r.out());
        JsonNode sent = gw.requests("models/optimize").get(0).json();
        assertEquals("{\"name\":\"minilm\",\"version\":3,\"recipe\":\"int8-dynamic\",\"options\":"
                + "{\"perChannel\":\"false\",\"minCosine\":\"0.995\"}}", sent.toString());

        gw.handlers.put("models/optimize", q -> Answer.error(409, "models/optimize: REJECTED: the accuracy guard "
                + "rejected the int8-dynamic variant of minilm version 3: cosine similarity 0.48 is below minCosine "
                + "0.99", Responder.JSON.createObjectNode().put("outcome", "REJECTED")));
        Result rejected = edgectl(broker, GW, "optimize", "minilm", "3", "int8-dynamic");
        assertEquals(1, rejected.code(), rejected::all);
        assertTrue(rejected.err().contains("gateway gw-r refused: 409 models/optimize: REJECTED"), rejected.err());
        assertTrue(rejected.out().contains("outcome: REJECTED"), "the report is shown: " + rejected.out());
        assertEquals(2, edgectl(broker, GW, "optimize", "minilm", "3", "fp16", "-o", "oops").code());
    }

    @Test
    void gatewayErrorIsExitOneWithTheGatewaysWords(Broker broker) throws Exception {
        gw.handlers.put("config/set", q -> Answer.error(403, "config/set: io.edgegate.trust cannot be changed "
                + "remotely", null));
        Result r = edgectl(broker, GW, "config", "set", "io.edgegate.trust", "enforce=false");
        assertEquals(1, r.code(), r::all);
        assertEquals("edgectl config set: gateway gw-r refused: 403 config/set: io.edgegate.trust cannot be "
                + "changed remotely", r.err().strip());
        assertEquals("", r.out());

        gw.handlers.put("models/list", q -> Answer.error(500, "models/list: disk full", null));
        Result failed = edgectl(broker, GW, "models", "list");
        assertEquals(1, failed.code(), failed::all);
        assertTrue(failed.err().contains("gateway gw-r failed: 500 models/list: disk full"), failed.err());
    }

    @Test
    void silentGatewayTimesOutWithAHint(Broker broker) throws Exception {
        gw.handlers.put("status", q -> null);
        Result r = edgectl(broker, GW, "status", "--timeout", "500ms");
        assertEquals(3, r.code(), r::all);
        assertEquals("edgectl status: no answer from gateway 'gw-r' on " + broker.uri() + " within 500 ms (is it "
                + "connected? check edgegate/gw-r/status)", r.err().strip());
    }

    @Test
    void gatewayNobodyListensForFailsAtOnce(Broker broker) throws Exception {
        Result r = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> edgectl(broker, "gw-nobody", "status", "--timeout", "60s"));
        assertEquals(3, r.code(), r::all);
        assertTrue(r.err().contains("no answer from gateway 'gw-nobody' on " + broker.uri() + ": the broker has no "
                + "subscriber for edgegate/gw-nobody/req/status (is it connected? check edgegate/gw-nobody/status)"),
                r.err());

        // The Last Will of a gateway that went away says so; edgectl repeats it.
        gw.retainStatus("gw-gone", Responder.JSON.createObjectNode().put("online", false).put("gateway", "gw-gone"));
        try {
            Result gone = edgectl(broker, "gw-gone", "status");
            assertEquals(3, gone.code(), gone::all);
            assertTrue(gone.err().contains("(it is offline, says the retained edgegate/gw-gone/status)"),
                    gone.err());
        } finally {
            gw.retainStatus("gw-gone", null);
        }
    }

    @Test
    void unreachableBrokerIsClear() throws Exception {
        int closed = Broker.freePort();
        Result r = run("status", "--broker", "tcp://127.0.0.1:" + closed, "--gateway", "gw-1");
        assertEquals(3, r.code(), r::all);
        assertTrue(r.err().startsWith("edgectl status: cannot connect to the MQTT broker at tcp://127.0.0.1:" + closed
                + ": Connection refused"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void tlsBrokerWithItsCa(Broker broker) throws Exception {
        Result r = run("status", "--broker", broker.tlsUri(), "--cafile", broker.caPem, "--gateway", GW);
        assertEquals(0, r.code(), r::all);
        assertTrue(r.out().contains("gateway: gw-r"), r.out());

        Result untrusted = run("status", "--broker", broker.tlsUri(), "--gateway", GW);
        assertEquals(3, untrusted.code(), untrusted::all);
        assertTrue(untrusted.err().contains("TLS handshake failed") && untrusted.err().contains("--cafile"),
                untrusted.err());

        Result plain = run("status", "--broker", broker.uri(), "--cafile", broker.caPem, "--gateway", GW);
        assertEquals(2, plain.code(), plain::all);
    }

    @Test
    void configValuesAreTyped(Broker broker) throws Exception {
        gw.handlers.put("config/set", q -> Answer.ok(200, q.json()));
        Result r = edgectl(broker, GW, "config", "set", "io.edgegate.http", "maxRequestBytes=1048576",
                "cors=true", "name=edge one", "ratio=0.5", "tags:=[\"a\",\"b\"]", "code:=\"0042\"", "--replace");
        assertEquals(0, r.code(), r::all);
        assertEquals(Responder.JSON.readTree("""
                {"pid": "io.edgegate.http", "properties": {"maxRequestBytes": 1048576, "cors": true,
                 "name": "edge one", "ratio": 0.5, "tags": ["a", "b"], "code": "0042"}, "replace": true}"""),
                gw.requests("config/set").get(0).json());

        ObjectNode props = Responder.JSON.createObjectNode().put("pid", "io.edgegate.http");
        props.putObject("properties").put("maxRequestBytes", 1048576).put("password", "********");
        gw.handlers.put("config/get", q -> Answer.ok(200, props));
        Result get = edgectl(broker, GW, "config", "get", "io.edgegate.http");
        assertEquals(0, get.code(), get::all);
        assertEquals(Responder.JSON.readTree("{\"pid\": \"io.edgegate.http\"}"),
                gw.requests("config/get").get(0).json());
        assertTrue(get.out().contains("  maxRequestBytes: 1048576"), get.out());

        assertEquals(0, edgectl(broker, GW, "config", "get").code());
        assertEquals(EMPTY, gw.requests("config/get").get(1).json());

        assertEquals(2, edgectl(broker, GW, "config", "set", "io.edgegate.http", "novalue").code());
    }

    @Test
    void modelAndBundleOperations(Broker broker) throws Exception {
        for (String op : List.of("models/activate", "models/rollback", "models/remove", "bundles/uninstall")) {
            gw.handlers.put(op, q -> Answer.ok(200, q.json()));
        }
        ObjectNode list = Responder.JSON.createObjectNode();
        list.putArray("bundles").addObject().put("id", 7).put("symbolicName", "io.example.x").put("version", "1.0.0")
                .put("state", "ACTIVE").put("deployed", true);
        gw.handlers.put("bundles/list", q -> Answer.ok(200, list));

        assertEquals(0, edgectl(broker, GW, "models", "activate", "minilm", "2").code());
        assertEquals(0, edgectl(broker, GW, "models", "rollback", "minilm").code());
        assertEquals(0, edgectl(broker, GW, "models", "remove", "minilm", "3", "--force").code());
        assertEquals(0, edgectl(broker, GW, "bundles", "uninstall", "io.example.x").code());
        Result bundles = edgectl(broker, GW, "bundles", "list");
        assertEquals(0, bundles.code(), bundles::all);
        assertTrue(bundles.out().matches("(?s).*7\\s+io\\.example\\.x\\s+1\\.0\\.0\\s+ACTIVE\\s+true.*"),
                bundles.out());

        assertEquals(json("{\"name\": \"minilm\", \"version\": 2}"), gw.requests("models/activate").get(0).json());
        assertEquals(json("{\"name\": \"minilm\"}"), gw.requests("models/rollback").get(0).json());
        assertEquals(json("{\"name\": \"minilm\", \"version\": 3, \"force\": true}"),
                gw.requests("models/remove").get(0).json());
        assertEquals(json("{\"name\": \"io.example.x\"}"), gw.requests("bundles/uninstall").get(0).json());
    }

    @Test
    void inferSendsOipJsonAndPrintsTheResponse(Broker broker) throws Exception {
        JsonNode response = json("{\"model_name\": \"minilm\", \"outputs\": [{\"name\": \"y\", \"datatype\": \"FP32\", "
                + "\"shape\": [1, 2], \"data\": [0.25, 0.75]}]}");
        gw.handlers.put("infer", q -> q.json().path("inputs").size() == 2 ? new Answer(200, response)
                : new Answer(400, json("{\"error\": \"input 'x': expected shape [1, 2]\"}")));

        Result r = edgectl(broker, GW, "infer", "minilm", "--input", "input_ids:INT64:1,3:101,2023,102",
                "--input", "mask:BOOL:1,1:true", "--output", "y");
        assertEquals(0, r.code(), r::all);
        assertEquals(response, Responder.JSON.readTree(r.out()));
        Request q = gw.requests("infer").get(0);
        assertEquals("edgegate/gw-r/infer/minilm", q.topic());
        assertEquals(json("""
                {"inputs": [{"name": "input_ids", "datatype": "INT64", "shape": [1, 3], "data": [101, 2023, 102]},
                            {"name": "mask", "datatype": "BOOL", "shape": [1, 1], "data": [true]}],
                 "outputs": [{"name": "y"}]}"""), q.json());

        Path body = dir.resolve("request.json");
        Files.writeString(body, "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 1], "
                + "\"data\": [1.5]}]}", StandardCharsets.UTF_8);
        Result refused = edgectl(broker, GW, "infer", "minilm", "--body", body);
        assertEquals(1, refused.code(), refused::all);
        assertTrue(refused.err().contains("gateway gw-r refused: 400 input 'x': expected shape [1, 2]"),
                refused.err());

        Result fleet = run("infer", "minilm", "--broker", broker.uri(), "--fleet", "f1", "--input",
                "a:FP32:1:1", "--input", "b:FP32:1:2");
        assertEquals(0, fleet.code(), fleet::all);
        assertEquals("edgegate/fleet/f1/infer/minilm", gw.requests("infer").get(2).topic());

        Result badShape = edgectl(broker, GW, "infer", "minilm", "--input", "x:FP32:1,2:1.0");
        assertEquals(2, badShape.code(), badShape::all);
        assertTrue(badShape.err().contains("shape 1,2 holds 2 values, not 1"), badShape.err());
        assertEquals(3, gw.requests("infer").size(), "a usage error sends nothing");
    }

    @Test
    void gatewayIsRequired(Broker broker) {
        assumeTrue(System.getenv("EDGEGATE_GATEWAY") == null, "EDGEGATE_GATEWAY names a gateway");
        Result r = run("status", "--broker", broker.uri());
        assertEquals(2, r.code(), r::all);
        assertTrue(r.err().contains("give --gateway ID or set EDGEGATE_GATEWAY"), r.err());
    }

    private static JsonNode json(String s) {
        try {
            return Responder.JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
