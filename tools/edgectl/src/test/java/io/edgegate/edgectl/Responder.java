package io.edgegate.edgectl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A stand-in gateway on the real broker: answers {@code edgegate/<id>/req/#} and {@code edgegate/<id>/infer/#} as
 * docs/mqtt.md says (reply topic, correlation data, {@code status} user property, idempotency by correlation data, a
 * chunked upload store), records every request, and misbehaves on demand: a reply that gets lost, a connection that
 * is taken away from the requester.
 */
final class Responder implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A request as the gateway saw it. */
    record Request(String topic, String operation, byte[] correlation, String responseTopic, String contentType,
            Map<String, String> userProperties, byte[] payload, int qos) {
        JsonNode json() {
            try {
                return JSON.readTree(payload);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + new String(payload, StandardCharsets.UTF_8), e);
            }
        }

        boolean isChunk() {
            return "application/octet-stream".equals(contentType);
        }

        long offset() {
            return Long.parseLong(userProperties.get("offset"));
        }
    }

    /** A reply: the status and the JSON body. */
    record Answer(int status, JsonNode body) {
        static Answer ok(int status, JsonNode result) {
            ObjectNode b = JSON.createObjectNode().put("status", status);
            b.set("result", result);
            return new Answer(status, b);
        }

        static Answer error(int status, String message, JsonNode result) {
            ObjectNode b = JSON.createObjectNode().put("status", status).put("error", message);
            if (result != null) {
                b.set("result", result);
            }
            return new Answer(status, b);
        }
    }

    enum Fault {
        /** Carried out, but the reply is lost. */
        LOSE_REPLY,
        /** Carried out, the reply lost, and the requester's connection taken over (so it drops). */
        DROP_CONNECTION,
        /** Not even carried out: no reply. */
        IGNORE,
        /** Not carried out: 503, as a gateway whose work queue is full answers. */
        BUSY
    }

    private record Trap(Predicate<Request> when, Fault fault) {
    }

    final List<Request> received = new CopyOnWriteArrayList<>();
    /** Uploads by id: the bytes held so far. */
    final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
    /** How often each operation (or "chunk") really ran, repeats answered from the cache not counted. */
    final Map<String, Integer> executed = new ConcurrentHashMap<>();
    /** Answers per operation, overriding the built-in behaviour; null answers nothing. */
    final Map<String, Function<Request, Answer>> handlers = new ConcurrentHashMap<>();
    /** The state of a completed upload (READY, FAILED with "reason"). */
    volatile ObjectNode finalResult;

    private final String brokerUri;
    private final String gateway;
    private final MqttAsyncClient client;
    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    private final List<Trap> traps = new CopyOnWriteArrayList<>();
    private final Map<String, Answer> remembered = new ConcurrentHashMap<>();
    private final Map<String, Long> declared = new ConcurrentHashMap<>();

    Responder(Broker broker, String gateway, String... extraTopics) throws MqttException {
        this.brokerUri = broker.uri();
        this.gateway = gateway;
        client = new MqttAsyncClient(brokerUri, "gateway-" + gateway, new MemoryPersistence());
        client.setCallback(new Callback());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        client.connect(o).waitForCompletion(5_000);
        List<String> topics = new ArrayList<>(List.of("edgegate/" + gateway + "/req/#",
                "edgegate/" + gateway + "/infer/#"));
        topics.addAll(List.of(extraTopics));
        for (String t : topics) {
            client.subscribe(t, 1).waitForCompletion(5_000);
        }
    }

    /** Forgets everything: requests, handlers, traps, uploads, remembered replies (between tests). */
    void reset() {
        received.clear();
        uploads.clear();
        executed.clear();
        handlers.clear();
        finalResult = null;
        traps.clear();
        remembered.clear();
        declared.clear();
    }

    /** The next request matching {@code when} meets {@code fault} (once). */
    Responder trap(Predicate<Request> when, Fault fault) {
        traps.add(new Trap(when, fault));
        return this;
    }

    /** An upload the gateway already holds part of (an earlier, interrupted deploy). */
    void holds(String upload, byte[] bytes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(bytes);
        uploads.put(upload, b);
    }

    List<Request> requests(String operation) {
        return received.stream().filter(r -> r.operation().equals(operation)).toList();
    }

    List<Request> chunks() {
        return received.stream().filter(Request::isChunk).toList();
    }

    /**
     * Publishes a retained status document on {@code edgegate/<id>/status}, as a gateway or its Last Will does; null
     * clears it.
     */
    void retainStatus(String id, JsonNode status) throws Exception {
        MqttMessage m = new MqttMessage(status == null ? new byte[0] : JSON.writeValueAsBytes(status));
        m.setQos(1);
        m.setRetained(true);
        client.publish("edgegate/" + id + "/status", m).waitForCompletion(5_000);
    }

    @Override
    public void close() throws Exception {
        worker.shutdown();
        worker.awaitTermination(5, TimeUnit.SECONDS);
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    private void handle(Request r) {
        try {
            Fault fault = null;
            for (Trap t : traps) {
                if (t.when().test(r)) {
                    traps.remove(t);
                    fault = t.fault();
                    break;
                }
            }
            if (fault == Fault.IGNORE) {
                return;
            }
            if (fault == Fault.BUSY) {
                reply(r, Answer.error(503, r.operation() + ": busy, try again", null));
                return;
            }
            String key = r.topic() + " " + HexFormat.of().formatHex(r.correlation());
            Answer answer = remembered.get(key);
            if (answer == null) {
                executed.merge(r.isChunk() ? "chunk" : r.operation(), 1, Integer::sum);
                Function<Request, Answer> h = handlers.get(r.operation());
                answer = h != null ? h.apply(r) : builtIn(r);
                if (answer == null) {
                    return;
                }
                remembered.put(key, answer);
            }
            if (fault == Fault.DROP_CONNECTION) {
                takeOver(r.responseTopic());
                return;
            }
            if (fault == Fault.LOSE_REPLY) {
                return;
            }
            reply(r, answer);
        } catch (Exception e) {
            e.printStackTrace();
        }
    }

    /** Sends a reply before the handler's own: an interim one (202) of a long operation. */
    void interim(Request r, Answer answer) {
        try {
            reply(r, answer);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void reply(Request r, Answer answer) throws Exception {
        MqttMessage m = new MqttMessage(JSON.writeValueAsBytes(answer.body()));
        m.setQos(1);
        MqttProperties p = new MqttProperties();
        p.setCorrelationData(r.correlation());
        p.setContentType("application/json");
        p.setUserProperties(List.of(new UserProperty("status", Integer.toString(answer.status()))));
        m.setProperties(p);
        client.publish(r.responseTopic(), m).waitForCompletion(5_000);
    }

    /** Connecting with the requester's client id makes the broker drop the requester's connection. */
    private void takeOver(String responseTopic) throws MqttException {
        String session = responseTopic.split("/")[2];
        MqttAsyncClient thief = new MqttAsyncClient(brokerUri, "edgectl-" + session, new MemoryPersistence());
        thief.connect().waitForCompletion(5_000);
        try {
            thief.disconnectForcibly(0, 1_000, false);
        } catch (MqttException e) {
            // The requester took its id back first: just as good.
        }
        thief.close(true);
    }

    private Answer builtIn(Request r) {
        switch (r.operation()) {
            case "status":
                return Answer.ok(200, status());
            case "models/deploy", "bundles/install", "bundles/update":
                return r.isChunk() ? chunk(r) : begin(r);
            default:
                return Answer.error(404, r.operation() + ": unknown operation", null);
        }
    }

    ObjectNode status() {
        ObjectNode s = JSON.createObjectNode().put("online", true).put("gateway", gateway).put("version", "0.1.0")
                .put("since", "2026-11-22T07:00:00Z");
        s.putArray("models").addObject().put("name", "minilm").put("version", 3).put("state", "READY")
                .put("provider", "cpu").put("sha256", "ab".repeat(32));
        s.putArray("providers").addObject().put("id", "cpu").put("available", true);
        s.put("trustRoot", 1).put("enforcing", true);
        return s;
    }

    private Answer begin(Request r) {
        JsonNode body = r.json();
        JsonNode payload;
        try {
            payload = JSON.readTree(Base64.getDecoder().decode(body.path("manifest").path("payload").asText()));
        } catch (Exception e) {
            return Answer.error(400, r.operation() + ": manifest: " + e.getMessage(), null);
        }
        String upload = "u-" + body.path("name").asText() + "-" + body.path("version").asLong();
        declared.put(upload, payload.path("length").asLong());
        long held = uploads.computeIfAbsent(upload, k -> new ByteArrayOutputStream()).size();
        return Answer.ok(200, JSON.createObjectNode().put("upload", upload).put("offset", held)
                .put("length", payload.path("length").asLong()));
    }

    private Answer chunk(Request r) {
        String upload = r.userProperties().get("upload");
        ByteArrayOutputStream held = upload == null ? null : uploads.get(upload);
        if (held == null) {
            return Answer.error(404, r.operation() + ": unknown upload " + upload, null);
        }
        if (r.offset() != held.size()) {
            return Answer.error(409, r.operation() + ": expected offset " + held.size(),
                    JSON.createObjectNode().put("offset", held.size()));
        }
        held.writeBytes(r.payload());
        if (held.size() < declared.get(upload)) {
            return Answer.ok(202, JSON.createObjectNode().put("offset", held.size()));
        }
        ObjectNode done = finalResult != null ? finalResult
                : JSON.createObjectNode().put("name", upload).put("state", "READY");
        return Answer.ok(200, done);
    }

    private final class Callback implements MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            MqttProperties p = message.getProperties();
            Map<String, String> user = new LinkedHashMap<>();
            p.getUserProperties().forEach(u -> user.put(u.getKey(), u.getValue()));
            String prefix = topic.startsWith("edgegate/" + gateway + "/req/") ? "edgegate/" + gateway + "/req/"
                    : "";
            String operation = prefix.isEmpty() ? "infer" : topic.substring(prefix.length());
            Request r = new Request(topic, operation, p.getCorrelationData(), p.getResponseTopic(),
                    p.getContentType(), user, message.getPayload(), message.getQos());
            received.add(r);
            // Never work on Paho's thread (a publish from here can deadlock).
            worker.execute(() -> handle(r));
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
    }
}
