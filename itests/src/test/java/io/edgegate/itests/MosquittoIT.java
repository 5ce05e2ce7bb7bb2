package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Assume;
import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Interoperability with Debian's mosquitto: the distribution connects to a mosquitto broker and answers
 * {@code mosquitto_rr}, a real MQTT 5 request/response client, for a status request and an inference.
 * {@code ./run-tests} installs mosquitto and mosquitto-clients; without them the test is skipped, except in CI.
 */
public class MosquittoIT {
    private static final String GW = "mosquitto-gw";
    private Process broker;
    private GatewayProcess gateway;

    @After
    public void stop() throws Exception {
        if (gateway != null) {
            if (gateway.running()) {
                gateway.stop();
            }
            gateway.close();
        }
        if (broker != null) {
            broker.destroy();
            broker.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static boolean installed(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command));
    }

    private static String mosquitto() {
        return installed("mosquitto") && !Files.isExecutable(Path.of("/usr/sbin/mosquitto")) ? "mosquitto"
                : "/usr/sbin/mosquitto";
    }

    /** Runs mosquitto_rr and returns what it printed: the reply's payload. */
    private static String rr(int port, String topic, String payload) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mosquitto_rr", "-V", "mqttv5", "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-t", topic, "-e", "itest/mosquitto_rr/reply", "-m", payload, "-W", "20"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("mosquitto_rr finished", p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(String.join(" ", cmd) + " printed: " + out, 0, p.exitValue());
        return out.trim();
    }

    @Test
    public void mosquittoRrGetsStatusAndAnInference() throws Exception {
        boolean present = installed("mosquitto") && installed("mosquitto_rr");
        if ("true".equals(System.getenv("CI"))) {
            assertTrue("CI needs mosquitto and mosquitto-clients: ./run-tests installs them", present);
        }
        Assume.assumeTrue("mosquitto and mosquitto-clients are not installed (./run-tests installs them)", present);

        gateway = new GatewayProcess("MosquittoIT");
        int port = TestGateway.freePort();
        Path conf = gateway.home.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n");
        broker = new ProcessBuilder(mosquitto(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(gateway.home.resolve("mosquitto.log").toFile()).start();
        awaitPort(port);
        gateway.config("io.edgegate.mqtt.cfg", "brokerUri=tcp://127.0.0.1:" + port + "\ngatewayId=" + GW + "\n");
        PlusModel.write(gateway.models(), MqttIT.PLUS, 3);
        gateway.sign(MqttIT.PLUS, 3);
        gateway.start("run");
        gateway.awaitState(MqttIT.PLUS, 3, "READY");

        JsonNode status = null;
        long deadline = System.currentTimeMillis() + 30_000;
        while (status == null) {
            String out = rr(port, "edgegate/" + GW + "/req/status", "{}");
            if (out.startsWith("{")) {
                status = Http.JSON.readTree(out);
            } else {
                assertTrue("no status reply in 30 s: " + out + "\n" + gateway.logText(),
                        System.currentTimeMillis() < deadline);
                Thread.sleep(500);
            }
        }
        assertEquals(status.toString(), 200, status.path("status").asInt());
        assertEquals(status.toString(), GW, status.path("result").path("gateway").asText());

        String answer = rr(port, "edgegate/" + GW + "/infer/" + MqttIT.PLUS,
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 4], \"data\": [1, 2, 3, 4]}]}");
        JsonNode out = Http.JSON.readTree(answer);
        assertEquals(answer, "3", out.path("model_version").asText());
        JsonNode data = out.path("outputs").get(0).path("data");
        for (int i = 0; i < 4; i++) {
            assertEquals(answer, i + 1 + 3, data.get(i).asDouble(), 1e-5);
        }
    }

    private static void awaitPort(int port) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                assertTrue("mosquitto did not listen on " + port, System.currentTimeMillis() < deadline);
                Thread.sleep(100);
            }
        }
    }
}
