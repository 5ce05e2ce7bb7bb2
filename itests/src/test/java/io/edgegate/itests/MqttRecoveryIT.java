package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.After;
import org.junit.Test;

import io.edgegate.itests.MqttOperator.Reply;
import io.edgegate.trust.ArtifactType;

/**
 * A deploy transaction that dies halfway because the gateway is killed (SIGKILL, no chance to clean up): after a
 * restart the previous version serves, nothing half-written is in the repository, and beginning the deploy again
 * resumes the upload where it stopped and completes it.
 */
public class MqttRecoveryIT {
    private static final String GW = "recovery-gw";
    private static final String MODEL = "resilient";
    private TestBroker broker;
    private GatewayProcess gateway;
    private MqttOperator operator;

    @After
    public void stop() throws Exception {
        if (operator != null) {
            operator.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    public void aDeployCutByAKilledGatewayLeavesTheOldVersionServingAndResumesAfterARestart() throws Exception {
        broker = TestBroker.start(Path.of(System.getProperty("edgegate.itest.dir"), "MqttRecoveryIT-broker"));
        gateway = new GatewayProcess("MqttRecoveryIT");
        gateway.config("io.edgegate.mqtt.cfg", broker.gatewayConfig(GW));
        PlusModel.write(gateway.models(), MODEL, 1);
        gateway.sign(MODEL, 1);
        gateway.start("first");
        gateway.awaitState(MODEL, 1, "READY");
        operator = new MqttOperator(broker.uri());
        awaitOnline();

        byte[] content;
        try (InputStream in = MqttRecoveryIT.class.getResourceAsStream(MiniLmInputs.RESOURCE)) {
            content = in.readAllBytes();
        }
        byte[] manifest = gateway.manifest(ArtifactType.MODEL, MODEL, 2, content);
        int chunk = 256 * 1024;
        Reply begin = MqttIT.begin(operator, "models/deploy", MODEL, 2, manifest, GW);
        assertEquals(begin.toString(), 200, begin.status());
        Reply part = MqttIT.chunks(operator, "models/deploy", begin, content, chunk, 12, GW);
        assertEquals(part.toString(), 202, part.status());

        gateway.kill();
        assertFalse("nothing half-written in the repository", Files.exists(gateway.models().resolve(MODEL + "/2")));
        gateway.start("second");
        gateway.awaitState(MODEL, 1, "READY");
        Http.Response served = gateway.http().post("/v2/models/" + MODEL + "/infer",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": [0, 0, 0, 0]}]}");
        assertEquals(served.body(), 200, served.status());
        assertEquals(served.body(), "1", served.json().path("model_version").asText());
        awaitOnline();

        Reply again = MqttIT.begin(operator, "models/deploy", MODEL, 2, manifest, GW);
        assertEquals(again.toString(), 200, again.status());
        assertEquals("resumes after the 12 chunks that arrived", 12L * chunk,
                again.json().path("result").path("offset").asLong());
        Reply done = MqttIT.chunks(operator, "models/deploy", again, content, chunk, Integer.MAX_VALUE, GW);
        assertEquals(done.toString(), 200, done.status());
        assertEquals(done.toString(), "READY", done.json().path("result").path("state").asText());
        gateway.awaitState(MODEL, 2, "READY");
        assertTrue(java.util.Arrays.equals(content, Files.readAllBytes(gateway.models().resolve(MODEL + "/2/model.onnx"))));
    }

    private void awaitOnline() throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            Reply r = null;
            try {
                r = operator.request("edgegate/" + GW + "/req/status", "{}".getBytes(), "application/json",
                        MqttOperator.correlation(), java.util.Map.of(), 3);
            } catch (AssertionError e) {
                // no answer yet
            }
            if (r != null && r.status() == 200) {
                return;
            }
            assertTrue("the gateway did not answer over MQTT in 30 s:\n" + gateway.logText(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(500);
        }
    }
}
