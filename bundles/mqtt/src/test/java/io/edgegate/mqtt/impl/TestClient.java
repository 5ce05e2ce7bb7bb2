package io.edgegate.mqtt.impl;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An operator's MQTT 5 client: requests with a response topic and fresh (or given) correlation data, replies
 * matched by correlation data, as edgectl does it.
 */
final class TestClient implements AutoCloseable {
    /** A reply: the status user property, the content type, the body. */
    record Answer(int status, String contentType, byte[] body, byte[] correlation) {
        JsonNode json() {
            try {
                return Body.JSON.readTree(body);
            } catch (java.io.IOException e) {
                throw new AssertionError("reply is not JSON: " + new String(body, StandardCharsets.UTF_8), e);
            }
        }

        JsonNode result() {
            return json().path("result");
        }

        String error() {
            return json().path("error").asText();
        }

        @Override
        public String toString() {
            return status + " " + new String(body, StandardCharsets.UTF_8);
        }
    }

    private final MqttAsyncClient client;
    private final String replyTopic = "test/" + UUID.randomUUID() + "/reply";
    private final Map<String, BlockingQueue<Answer>> waiting = new ConcurrentHashMap<>();
    private final Map<String, BlockingQueue<MqttMessage>> subscriptions = new ConcurrentHashMap<>();

    TestClient(String brokerUri) throws MqttException {
        client = new MqttAsyncClient(brokerUri, "test-" + UUID.randomUUID(), new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                if (topic.equals(replyTopic)) {
                    MqttProperties p = message.getProperties();
                    String status = p.getUserProperties().stream().filter(u -> u.getKey().equals("status"))
                            .map(UserProperty::getValue).findFirst().orElse("-1");
                    String key = Arrays.toString(p.getCorrelationData());
                    waiting.computeIfAbsent(key, k -> new LinkedBlockingQueue<>()).add(new Answer(
                            Integer.parseInt(status), p.getContentType(), message.getPayload(),
                            p.getCorrelationData()));
                } else {
                    subscriptions.computeIfAbsent(topic, k -> new LinkedBlockingQueue<>()).add(message);
                }
            }

            @Override
            public void disconnected(MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(MqttException e) {
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        client.connect(o).waitForCompletion(10_000);
        client.subscribe(replyTopic, 1).waitForCompletion(10_000);
    }

    /** Subscribes to a topic (e.g. the retained status); its messages are read with {@link #next}. */
    void subscribe(String topic) throws MqttException {
        client.subscribe(topic, 1).waitForCompletion(10_000);
    }

    MqttMessage next(String topic, long seconds) throws InterruptedException {
        return subscriptions.computeIfAbsent(topic, k -> new LinkedBlockingQueue<>()).poll(seconds, TimeUnit.SECONDS);
    }

    static byte[] fresh() {
        return UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends and waits for the reply. */
    Answer request(String topic, byte[] payload, byte[] correlation, List<UserProperty> properties)
            throws Exception {
        send(topic, payload, correlation, properties, replyTopic);
        Answer a = waiting.computeIfAbsent(Arrays.toString(correlation), k -> new LinkedBlockingQueue<>())
                .poll(60, TimeUnit.SECONDS);
        assertNotNull(a, "no reply to " + topic + " in 60 s");
        return a;
    }

    /** Sends and collects the replies until a final one: interim replies (202) first, then the last. */
    List<Answer> requestUntilFinal(String topic, String json) throws Exception {
        byte[] correlation = fresh();
        send(topic, json.getBytes(StandardCharsets.UTF_8), correlation, List.of(), replyTopic);
        BlockingQueue<Answer> queue = waiting.computeIfAbsent(Arrays.toString(correlation),
                k -> new LinkedBlockingQueue<>());
        List<Answer> all = new java.util.ArrayList<>();
        while (true) {
            Answer a = queue.poll(60, TimeUnit.SECONDS);
            assertNotNull(a, "no final reply to " + topic + " in 60 s after " + all);
            all.add(a);
            if (a.status() != 202) {
                return all;
            }
        }
    }

    Answer request(String topic, String json) throws Exception {
        return request(topic, json.getBytes(StandardCharsets.UTF_8), fresh(), List.of());
    }

    /** Publishes without waiting for a reply; {@code responseTopic} may be null. */
    void send(String topic, byte[] payload, byte[] correlation, List<UserProperty> properties, String responseTopic)
            throws MqttException {
        MqttProperties p = new MqttProperties();
        if (responseTopic != null) {
            p.setResponseTopic(responseTopic);
        }
        if (correlation != null) {
            p.setCorrelationData(correlation);
        }
        p.setUserProperties(properties);
        client.publish(topic, new MqttMessage(payload, 1, false, p)).waitForCompletion(10_000);
    }

    @Override
    public void close() throws MqttException {
        try {
            client.disconnect().waitForCompletion(5_000);
        } finally {
            client.close(true);
        }
    }
}
