package io.edgegate.itests;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An operator's MQTT 5 client for tests (docs/mqtt.md): requests with a Response Topic and Correlation Data of
 * its own, replies matched by correlation data. Outside the framework only.
 */
final class MqttOperator implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A reply: the {@code status} user property and the body. */
    record Reply(int status, byte[] body, int headerLength) {
        JsonNode json() {
            try {
                return Http.JSON.readTree(body);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    private final MqttAsyncClient client;
    private final String replyTopic;
    private final Map<String, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    private final Map<String, List<Reply>> all = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<byte[]>> watched = new ConcurrentHashMap<>();

    MqttOperator(String brokerUri) throws MqttException {
        String id = "itest-" + HexFormat.of().formatHex(bytes(6));
        replyTopic = "itest/" + id + "/reply";
        client = new MqttAsyncClient(brokerUri, id, new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                // only completes futures: cheap enough for Paho's thread
                if (topic.equals(replyTopic)) {
                    MqttProperties p = message.getProperties();
                    String key = p.getCorrelationData() == null ? "" : HexFormat.of().formatHex(p.getCorrelationData());
                    int status = p.getUserProperties().stream().filter(u -> u.getKey().equals("status"))
                            .map(u -> Integer.parseInt(u.getValue())).findFirst().orElse(-1);
                    int header = p.getUserProperties().stream()
                            .filter(u -> u.getKey().equals("Inference-Header-Content-Length"))
                            .map(u -> Integer.parseInt(u.getValue())).findFirst().orElse(-1);
                    Reply r = new Reply(status, message.getPayload(), header);
                    all.computeIfAbsent(key, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(r);
                    CompletableFuture<Reply> f = pending.get(key);
                    if (f != null) {
                        f.complete(r);
                    }
                } else {
                    CompletableFuture<byte[]> f = watched.get(topic);
                    if (f != null) {
                        f.complete(message.getPayload());
                    }
                }
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
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
        o.setAutomaticReconnect(false);
        client.connect(o).waitForCompletion(10_000);
        client.subscribe(new MqttSubscription(replyTopic, 1)).waitForCompletion(10_000);
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Fresh correlation data. */
    static byte[] correlation() {
        return bytes(16);
    }

    Reply request(String topic, byte[] payload, String contentType, byte[] correlation, Map<String, String> user)
            throws Exception {
        return request(topic, payload, contentType, correlation, user, 60);
    }

    /** A request; no reply within {@code timeoutSeconds} is an AssertionError. */
    Reply request(String topic, byte[] payload, String contentType, byte[] correlation, Map<String, String> user,
            int timeoutSeconds) throws Exception {
        String key = HexFormat.of().formatHex(correlation);
        CompletableFuture<Reply> f = new CompletableFuture<>();
        pending.put(key, f);
        try {
            MqttProperties p = new MqttProperties();
            p.setResponseTopic(replyTopic);
            p.setCorrelationData(correlation);
            if (contentType != null) {
                p.setContentType(contentType);
            }
            List<UserProperty> props = new ArrayList<>();
            user.forEach((k, v) -> props.add(new UserProperty(k, v)));
            p.setUserProperties(props);
            MqttMessage m = new MqttMessage(payload);
            m.setQos(1);
            m.setProperties(p);
            client.publish(topic, m).waitForCompletion(10_000);
            try {
                return f.get(timeoutSeconds, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("no reply on " + topic + " within " + timeoutSeconds + " s");
            }
        } finally {
            pending.remove(key);
        }
    }

    /** An operation with a JSON body and fresh correlation data. */
    Reply operation(String gateway, String operation, String json) throws Exception {
        return request("edgegate/" + gateway + "/req/" + operation, json.getBytes(StandardCharsets.UTF_8),
                "application/json", correlation(), Map.of());
    }

    /** Every reply seen with this correlation data. */
    List<Reply> replies(byte[] correlation) {
        return all.getOrDefault(HexFormat.of().formatHex(correlation), List.of());
    }

    /** The next message on {@code topic} (retained ones included), within 30 s. */
    byte[] next(String topic) throws Exception {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        watched.put(topic, f);
        try {
            client.subscribe(new MqttSubscription(topic, 1)).waitForCompletion(10_000);
            return f.get(30, TimeUnit.SECONDS);
        } finally {
            watched.remove(topic);
            client.unsubscribe(topic).waitForCompletion(10_000);
        }
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect().waitForCompletion(5_000);
        }
        client.close(true);
    }
}
