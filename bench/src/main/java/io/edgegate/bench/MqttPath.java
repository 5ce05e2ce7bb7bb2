package io.edgegate.bench;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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

/**
 * An MQTT 5 request/response client as an operator's application would write it with Paho (docs/mqtt.md): a
 * request with a Response Topic and Correlation Data, the reply matched by its correlation data. A timed call ends
 * when the whole reply has arrived.
 */
final class MqttPath implements AutoCloseable {
    /** A reply: the {@code status} user property and the payload. */
    record Reply(int status, byte[] payload, int headerLength) {
        byte[] ok() throws IOException {
            if (status != 200) {
                throw new IOException("status " + status + ": " + new String(payload, 0, Math.min(500,
                        payload.length)));
            }
            return payload;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final MqttAsyncClient client;
    private final String replyTopic;
    private final ConcurrentHashMap<String, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    private final java.util.concurrent.ExecutorService echoWorker = java.util.concurrent.Executors
            .newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "bench-echo");
                t.setDaemon(true);
                return t;
            });
    private volatile String echoTopic;
    private volatile byte[] echoPayload;

    MqttPath(String brokerUri) throws MqttException {
        String id = "bench-" + Long.toHexString(RANDOM.nextLong());
        replyTopic = "bench/" + id + "/reply";
        client = new MqttAsyncClient(brokerUri, id, new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                if (topic.equals(echoTopic)) {
                    answerEcho(message);
                    return;
                }
                MqttProperties p = message.getProperties();
                String key = p.getCorrelationData() == null ? "" : new String(p.getCorrelationData(),
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                int status = p.getUserProperties().stream().filter(u -> u.getKey().equals("status"))
                        .map(u -> Integer.parseInt(u.getValue())).findFirst().orElse(-1);
                int header = p.getUserProperties().stream()
                        .filter(u -> u.getKey().equals("Inference-Header-Content-Length"))
                        .map(u -> Integer.parseInt(u.getValue())).findFirst().orElse(-1);
                CompletableFuture<Reply> f = pending.remove(key);
                if (f != null) {
                    f.complete(new Reply(status, message.getPayload(), header));
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
        // as every latency-sensitive MQTT client should: no Nagle delay on small requests
        o.setSocketFactory(new javax.net.SocketFactory() {
            private java.net.Socket nd(java.net.Socket s) throws IOException {
                s.setTcpNoDelay(true);
                return s;
            }

            @Override
            public java.net.Socket createSocket() throws IOException {
                return nd(new java.net.Socket());
            }

            @Override
            public java.net.Socket createSocket(String h, int p) throws IOException {
                return nd(new java.net.Socket(h, p));
            }

            @Override
            public java.net.Socket createSocket(String h, int p, java.net.InetAddress l, int lp) throws IOException {
                return nd(new java.net.Socket(h, p, l, lp));
            }

            @Override
            public java.net.Socket createSocket(java.net.InetAddress h, int p) throws IOException {
                return nd(new java.net.Socket(h, p));
            }

            @Override
            public java.net.Socket createSocket(java.net.InetAddress h, int p, java.net.InetAddress l, int lp)
                    throws IOException {
                return nd(new java.net.Socket(h, p, l, lp));
            }
        });
        client.connect(o).waitForCompletion(10_000);
        client.subscribe(new MqttSubscription(replyTopic, 1)).waitForCompletion(10_000);
    }

    /** Publishes {@code payload} to {@code topic} as a request and waits for the reply. */
    Reply request(String topic, byte[] payload, String contentType, List<UserProperty> user) throws Exception {
        byte[] correlation = new byte[16];
        RANDOM.nextBytes(correlation);
        String key = new String(correlation, java.nio.charset.StandardCharsets.ISO_8859_1);
        CompletableFuture<Reply> f = new CompletableFuture<>();
        pending.put(key, f);
        MqttProperties p = new MqttProperties();
        p.setResponseTopic(replyTopic);
        p.setCorrelationData(correlation);
        p.setContentType(contentType);
        p.setUserProperties(user);
        MqttMessage m = new MqttMessage(payload);
        m.setQos(1);
        m.setProperties(p);
        client.publish(topic, m);
        try {
            return f.get(120, TimeUnit.SECONDS);
        } finally {
            pending.remove(key);
        }
    }

    /** OIP inference over MQTT as a serving path. */
    ServingPath inference(String gateway, byte[] body) {
        return inference(gateway, BenchInput.MODEL, body);
    }

    /** OIP inference on {@code model} over MQTT as a serving path. */
    ServingPath inference(String gateway, String model, byte[] body) {
        String topic = "edgegate/" + gateway + "/infer/" + model;
        return new ServingPath() {
            @Override
            public void call() throws Exception {
                request(topic, body, "application/json", List.of()).ok();
            }

            @Override
            public float[] output() throws Exception {
                Reply r = request(topic, body, "application/json", List.of());
                return r.headerLength() >= 0 ? BenchInput.binaryOutput(r.ok(), r.headerLength())
                        : BenchInput.oipOutput(r.ok());
            }
        };
    }

    /**
     * Makes this client answer every request on {@code topic} with {@code payload} at once, from its own thread:
     * a round trip through the broker with no gateway, the transport's floor for a reply of that size.
     */
    void echo(String topic, byte[] payload) throws MqttException {
        echoPayload = payload;
        echoTopic = topic;
        // Paho's per-subscription listeners need subscription identifiers; the client's callback serves instead
        client.subscribe(new MqttSubscription(topic, 1)).waitForCompletion(10_000);
    }

    private void answerEcho(MqttMessage m) {
        echoWorker.execute(() -> {
            try {
                MqttProperties in = m.getProperties();
                MqttProperties p = new MqttProperties();
                p.setCorrelationData(in.getCorrelationData());
                p.setUserProperties(List.of(new UserProperty("status", "200")));
                MqttMessage reply = new MqttMessage(echoPayload);
                reply.setQos(1);
                reply.setProperties(p);
                client.publish(in.getResponseTopic(), reply);
            } catch (MqttException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public void close() throws MqttException {
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }
}
