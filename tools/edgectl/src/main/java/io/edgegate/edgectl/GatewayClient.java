package io.edgegate.edgectl;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import javax.net.SocketFactory;
import javax.net.ssl.SSLException;

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

/**
 * One operator's MQTT 5 connection for request/response with gateways (docs/mqtt.md): a response topic of its own
 * ({@code edgegate/clients/<random>/reply}), replies matched by Correlation Data, QoS 1 both ways.
 *
 * <p>Paho's callback threads only hand messages over (a future completed with the raw reply, the last retained status
 * stored); parsing and everything else happens on the command's thread. The connection is not reconnected
 * automatically: a command fails fast, and only an upload resumes, through {@link #reconnect()}.
 */
final class GatewayClient implements AutoCloseable {
    static final String JSON = "application/json";
    static final String OCTETS = "application/octet-stream";
    /** PUBACK "No matching subscribers": the broker dropped the request, nobody will answer it. */
    private static final int NO_MATCHING_SUBSCRIBERS = 0x10;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A reply as it arrived: the status user property (null if absent) and the payload. */
    record Raw(String status, byte[] payload) {
    }

    /** The request got no answer: nothing came within the time limit, or nobody was subscribed to receive it. */
    static final class Unanswered extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean noSubscriber;

        Unanswered(String message, boolean noSubscriber) {
            super(message, null, false, false);
            this.noSubscriber = noSubscriber;
        }
    }

    /** The connection to the broker broke before the answer came. */
    static final class Lost extends Exception {
        private static final long serialVersionUID = 1L;

        Lost(String message) {
            super(message, null, false, false);
        }
    }

    private final MqttOptions options;
    private final SocketFactory socketFactory;
    private final String clientId;
    private final String replyTopic;
    private final String statusTopic;
    private final Map<String, CompletableFuture<Raw>> pending = new ConcurrentHashMap<>();
    /** Interim replies (202) of requests that expect them, by correlation data. */
    private final Map<String, BlockingQueue<Raw>> progress = new ConcurrentHashMap<>();
    private final AtomicReference<byte[]> lastStatus = new AtomicReference<>();
    private volatile MqttAsyncClient client;

    private GatewayClient(MqttOptions options, SocketFactory socketFactory, String statusTopic) {
        this.options = options;
        this.socketFactory = socketFactory;
        String session = HexFormat.of().formatHex(newCorrelation(), 0, 8);
        this.clientId = "edgectl-" + session;
        this.replyTopic = "edgegate/clients/" + session + "/reply";
        this.statusTopic = statusTopic;
    }

    /**
     * Connects once, failing fast with a message the operator can act on.
     *
     * @param statusTopic a gateway's retained status topic to watch (for better messages when it does not answer),
     *     or null
     */
    static GatewayClient connect(MqttOptions options, String statusTopic) {
        GatewayClient c = new GatewayClient(options, options.socketFactory(), statusTopic);
        try {
            c.open();
        } catch (Lost e) {
            c.close();
            throw Failure.unavailable(e.getMessage());
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** A fresh random 16-byte Correlation Data value: one per command, the same on retries of that command. */
    static byte[] newCorrelation() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return b;
    }

    String replyTopic() {
        return replyTopic;
    }

    String clientId() {
        return clientId;
    }

    /** The last retained status seen on the status topic given to {@link #connect}, or null. */
    byte[] lastStatus() {
        return lastStatus.get();
    }

    /** {@link #lastStatus()}, waiting up to {@code wait} for one to arrive. */
    byte[] awaitStatus(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] s = lastStatus.get();
        while (s == null && statusTopic != null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            s = lastStatus.get();
        }
        return s;
    }

    /**
     * Publishes a request (QoS 1, response topic, correlation data) and waits for its reply.
     *
     * @param userProperties in order; may be empty
     * @throws Unanswered if no reply came within {@code timeout}, or no one subscribed to {@code topic}
     * @throws Lost if the connection broke first
     */
    Raw request(String topic, byte[] correlation, byte[] payload, String contentType,
            List<UserProperty> userProperties, Duration timeout) throws Unanswered, Lost {
        String key = HexFormat.of().formatHex(correlation);
        CompletableFuture<Raw> reply = new CompletableFuture<>();
        // A late reply to an earlier try with the same correlation data answers this one just as well.
        pending.put(key, reply);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            publish(topic, correlation, payload, contentType, userProperties, timeout);
            long left = deadline - System.nanoTime();
            return reply.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new Unanswered("no reply within " + Converters.Timeout.format(timeout), false);
        } catch (ExecutionException e) {
            throw new Lost(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.unavailable("interrupted");
        } finally {
            pending.remove(key, reply);
        }
    }

    /**
     * As {@link #request}, for an operation that tells how far it got with interim replies (status 202) before its
     * final reply (docs/mqtt.md, {@code models/optimize}): each interim reply is handed to {@code interim} on this
     * thread, and {@code idleTimeout} counts from the latest reply, so an operation that keeps reporting never times
     * out.
     */
    Raw requestWithProgress(String topic, byte[] correlation, byte[] payload, Duration idleTimeout,
            Consumer<Raw> interim) throws Unanswered, Lost {
        String key = HexFormat.of().formatHex(correlation);
        CompletableFuture<Raw> reply = new CompletableFuture<>();
        BlockingQueue<Raw> interims = new LinkedBlockingQueue<>();
        pending.put(key, reply);
        progress.put(key, interims);
        try {
            publish(topic, correlation, payload, JSON, List.of(), idleTimeout);
            long deadline = System.nanoTime() + idleTimeout.toNanos();
            while (true) {
                Raw r;
                while ((r = interims.poll()) != null) {
                    interim.accept(r);
                    deadline = System.nanoTime() + idleTimeout.toNanos();
                }
                try {
                    Raw last = reply.get(Math.min(100_000_000L, Math.max(0, deadline - System.nanoTime())),
                            TimeUnit.NANOSECONDS);
                    while ((r = interims.poll()) != null) {
                        interim.accept(r);
                    }
                    return last;
                } catch (TimeoutException e) {
                    if (System.nanoTime() >= deadline && interims.isEmpty()) {
                        throw new Unanswered("no reply within " + Converters.Timeout.format(idleTimeout), false);
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new Lost(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.unavailable("interrupted");
        } finally {
            pending.remove(key, reply);
            progress.remove(key, interims);
        }
    }

    private void publish(String topic, byte[] correlation, byte[] payload, String contentType,
            List<UserProperty> userProperties, Duration timeout) throws Unanswered, Lost {
        try {
            MqttAsyncClient current = client;
            if (current == null || !current.isConnected()) {
                throw new Lost("not connected to " + options.broker);
            }
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            MqttProperties properties = new MqttProperties();
            properties.setResponseTopic(replyTopic);
            properties.setCorrelationData(correlation);
            properties.setContentType(contentType);
            if (!userProperties.isEmpty()) {
                properties.setUserProperties(new ArrayList<>(userProperties));
            }
            message.setProperties(properties);
            IMqttToken token = current.publish(topic, message);
            token.waitForCompletion(Math.max(1, timeout.toMillis()));
            if (!token.isComplete()) {
                throw new Unanswered("the broker did not acknowledge the request", false);
            }
            int[] codes = token.getReasonCodes();
            if (codes != null && codes.length > 0) {
                if (codes[0] == NO_MATCHING_SUBSCRIBERS) {
                    throw new Unanswered("the broker has no subscriber for " + topic, true);
                }
                if (codes[0] >= 0x80) {
                    throw Failure.refused("the broker at " + options.broker + " refused the request on " + topic
                            + ": " + reason(codes[0]));
                }
            }
        } catch (MqttException e) {
            MqttAsyncClient current = client;
            if (current != null && current.isConnected() && e.getReasonCode() >= 0x80 && e.getReasonCode() < 0x100) {
                throw Failure.refused("the broker at " + options.broker + " refused the request on " + topic + ": "
                        + reason(e.getReasonCode()));
            }
            throw new Lost("connection to " + options.broker + " lost: " + describe(e));
        }
    }

    /** Drops the connection (if any is left) and connects again with the same response topic. */
    void reconnect() throws Lost {
        closeClient();
        open();
    }

    private void open() throws Lost {
        MqttConnectionOptions o = new MqttConnectionOptions();
        // A command is short-lived: no session to resume. A retried request carries its correlation data again
        // instead, and the gateway's idempotency cache answers it.
        o.setCleanStart(true);
        o.setSessionExpiryInterval(0L);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        o.setConnectionTimeout((int) Math.max(1, Math.min(60, options.timeout.toSeconds())));
        if (options.username != null && !options.username.isEmpty()) {
            o.setUserName(options.username);
        }
        if (options.password != null && !options.password.isEmpty()) {
            o.setPassword(options.password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        o.setSocketFactory(socketFactory instanceof javax.net.ssl.SSLSocketFactory ssl ? NoDelaySockets.tls(ssl)
                : NoDelaySockets.plain());
        MqttAsyncClient c;
        try {
            c = new MqttAsyncClient(options.broker, clientId, new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw Failure.usage("--broker '" + options.broker + "': " + e.getMessage());
        }
        c.setCallback(new Callback(c));
        client = c;
        long waitMs = options.timeout.toMillis() + 5_000;
        try {
            IMqttToken token = c.connect(o);
            token.waitForCompletion(waitMs);
            if (!c.isConnected()) {
                throw new Lost("the MQTT broker at " + options.broker + " did not accept the connection within "
                        + Converters.Timeout.format(options.timeout));
            }
        } catch (MqttException e) {
            int code = e.getReasonCode();
            if (code == 0x86 || code == 0x87 || code == 0x8C) {
                throw Failure.refused("the MQTT broker at " + options.broker + " refused the connection: "
                        + reason(code) + " (check --username/--password or the client certificate)");
            }
            throw new Lost("cannot connect to the MQTT broker at " + options.broker + ": " + describe(e));
        }
        subscribe(c, replyTopic, true);
        if (statusTopic != null) {
            subscribe(c, statusTopic, false);
        }
    }

    private void subscribe(MqttAsyncClient c, String topic, boolean required) throws Lost {
        try {
            IMqttToken token = c.subscribe(topic, 1);
            token.waitForCompletion(options.timeout.toMillis());
            int[] codes = token.getReasonCodes();
            if (required && codes != null && codes.length > 0 && codes[0] >= 0x80) {
                throw Failure.refused("the MQTT broker at " + options.broker + " refused the subscription to "
                        + topic + ": " + reason(codes[0]));
            }
        } catch (MqttException e) {
            if (required) {
                throw new Lost("cannot subscribe to " + topic + " on " + options.broker + ": " + describe(e));
            }
        }
    }

    @Override
    public void close() {
        closeClient();
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("closed")));
    }

    private void closeClient() {
        MqttAsyncClient c = client;
        client = null;
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect(0).waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            // Leaving anyway; the broker drops the session (expiry 0).
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            // As above.
        }
    }

    /** What went wrong, in the words of the underlying cause where there is one (Paho's own are vague). */
    static String describe(MqttException e) {
        Throwable cause = e.getCause();
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
            return cause.getMessage() == null ? "connection refused" : cause.getMessage();
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host " + cause.getMessage();
        }
        if (cause instanceof SSLException) {
            return "TLS handshake failed: " + cause.getMessage()
                    + " (give the broker's CA certificate with --cafile)";
        }
        if (cause != null) {
            return cause.getMessage() == null ? cause.toString() : cause.getMessage();
        }
        return e.getReasonCode() >= 0x80 && e.getReasonCode() < 0x100 ? reason(e.getReasonCode()) : e.getMessage();
    }

    /** MQTT 5 reason codes an operator meets. */
    static String reason(int code) {
        String text = switch (code) {
            case 0x80 -> "unspecified error";
            case 0x83 -> "implementation specific error";
            case 0x86 -> "bad user name or password";
            case 0x87 -> "not authorized";
            case 0x88 -> "server unavailable";
            case 0x89 -> "server busy";
            case 0x8C -> "bad authentication method";
            case 0x8E -> "session taken over";
            case 0x90 -> "topic name invalid";
            case 0x95 -> "packet too large";
            case 0x97 -> "quota exceeded";
            case 0x99 -> "payload format invalid";
            default -> "reason code";
        };
        return text + " (0x" + Integer.toHexString(code) + ")";
    }

    /** Bound to one Paho client, so that a replaced connection's late events change nothing. */
    private final class Callback implements MqttCallback {
        private final MqttAsyncClient owner;

        Callback(MqttAsyncClient owner) {
            this.owner = owner;
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            if (topic.equals(statusTopic)) {
                lastStatus.set(message.getPayload());
                return;
            }
            MqttProperties p = message.getProperties();
            byte[] correlation = p == null ? null : p.getCorrelationData();
            if (correlation == null) {
                return;
            }
            String status = null;
            for (UserProperty u : p.getUserProperties()) {
                if (u.getKey().equals("status")) {
                    status = u.getValue();
                }
            }
            String key = HexFormat.of().formatHex(correlation);
            BlockingQueue<Raw> interims = progress.get(key);
            if (interims != null && "202".equals(status)) {
                interims.add(new Raw(status, message.getPayload()));
                return;
            }
            CompletableFuture<Raw> f = pending.get(key);
            if (f != null) {
                f.complete(new Raw(status, message.getPayload()));
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            if (owner != client) {
                return;
            }
            String why = response.getException() != null ? describe(response.getException())
                    : response.getReasonString() != null ? response.getReasonString()
                    : reason(response.getReturnCode());
            Lost lost = new Lost("connection to " + options.broker + " lost: " + why);
            pending.values().forEach(f -> f.completeExceptionally(lost));
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
