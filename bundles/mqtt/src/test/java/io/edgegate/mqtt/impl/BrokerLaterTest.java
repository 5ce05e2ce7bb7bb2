package io.edgegate.mqtt.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.mqtt.impl.TestClient.Answer;

/** The gateway starts without a broker and connects once one appears: Paho alone would never retry. */
class BrokerLaterTest {
    @TempDir
    Path home;
    @TempDir
    Path brokerDir;

    @Test
    void startsWithoutABrokerAndConnectsWhenOneAppears() throws Exception {
        int port = Broker.freePort();
        try (TestGateway gw = new TestGateway(home, Map.of("brokerUri", "tcp://127.0.0.1:" + port, "gatewayId",
                "late"), null, null)) {
            TestGateway.sleep(1500); // a first attempt or two fail meanwhile
            assertFalse(gw.mqtt.isConnected());
            // the gateway serves locally all along
            assertEquals(1, gw.inference.models().size());

            try (Broker broker = Broker.start(Files.createDirectories(brokerDir), port)) {
                gw.awaitConnected(40);
                try (TestClient client = new TestClient(broker.uri())) {
                    Answer a = client.request(gw.topic("status"), "");
                    assertEquals(200, a.status(), a.toString());
                    assertEquals("late", a.result().path("gateway").asText());
                }
            }
        }
    }
}
