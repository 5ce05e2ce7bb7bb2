package io.edgegate.mqtt.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection to the broker. Paho does not retry a first connect that fails and its automatic reconnect is
 * off by default, so this class connects (and reconnects) itself on a thread of its own, waiting 1 s, 2 s, 4 s
 * ... up to 60 s between attempts. Clean start is false with an explicit session expiry, the Last Will marks the
 * gateway offline. Nothing is done on Paho's threads: messages are handed to the {@link Listener}, which must
 * only queue them, and subscribing after a connect happens on the connector thread.
 */
final class Connection implements MqttCallback {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    static final long MIN_DELAY_MS = 1_000;
    static final long MAX_DELAY_MS = 60_000;
    private static final long TIMEOUT_MS = 15_000;

    /** Told of the connection's events. */
    interface Listener {
        /** Connected and subscribed; called on the connector thread. */
        void connected();

        /** A message; called on Paho's thread: only hand it off. */
        void message(String topic, MqttMessage message);
    }

    private final Settings settings;
    private final Listener listener;
    private final MqttAsyncClient client;
    private final MqttConnectionOptions options;
    private final ScheduledExecutorService connector;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile boolean closed;
    private ScheduledFuture<?> next;
    private int failures;
    private boolean everConnected;

    /** @throws MqttException if the broker URI is not one Paho can use */
    Connection(Settings settings, byte[] will, Listener listener) throws MqttException, IOException,
            GeneralSecurityException {
        this.settings = settings;
        this.listener = listener;
        this.client = new MqttAsyncClient(settings.brokerUri(), settings.clientId(), new MemoryPersistence());
        this.options = options(settings, will);
        client.setCallback(this);
        this.connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgegate-mqtt-connect");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        schedule(0);
    }

    boolean isConnected() {
        return client.isConnected();
    }

    /** Publishes and waits until the broker has it (QoS 1); false if not connected or it failed. */
    boolean publish(String topic, byte[] payload, boolean retained, MqttProperties properties) {
        if (!client.isConnected()) {
            return false;
        }
        MqttMessage m = new MqttMessage(payload, 1, retained, properties);
        try {
            client.publish(topic, m).waitForCompletion(TIMEOUT_MS);
            return true;
        } catch (MqttException | RuntimeException e) {
            LOG.debug("MQTT: publishing to {} failed: {}", topic, e.toString());
            return false;
        }
    }

    /** Stops reconnecting, publishes {@code offline} (retained) if connected, disconnects and closes; once. */
    void close(byte[] offline) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (next != null) {
                next.cancel(false);
            }
        }
        connector.shutdownNow();
        try {
            if (client.isConnected()) {
                publish(settings.statusTopic(), offline, true, json());
                client.disconnect(TIMEOUT_MS).waitForCompletion(TIMEOUT_MS);
                LOG.info("MQTT: disconnected from {}", settings.brokerUri());
            }
        } catch (MqttException | RuntimeException e) {
            LOG.debug("MQTT: disconnecting failed: {}", e.toString());
        }
        try {
            client.disconnectForcibly(0, 1000, false);
        } catch (MqttException | RuntimeException e) {
            // not connected: nothing to cut
        }
        try {
            client.close(true);
        } catch (MqttException | RuntimeException e) {
            LOG.debug("MQTT: closing the client failed: {}", e.toString());
        }
        try {
            connector.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void schedule(long delayMs) {
        if (closed || (next != null && !next.isDone())) {
            return;
        }
        next = connector.schedule(this::connect, delayMs, TimeUnit.MILLISECONDS);
    }

    /** One attempt, on the connector thread; a failure schedules the next one. */
    private void connect() {
        synchronized (this) {
            next = null; // running now: the next attempt may be scheduled
        }
        if (closed || client.isConnected()) {
            return;
        }
        try {
            IMqttToken token = client.connect(options);
            token.waitForCompletion(TIMEOUT_MS);
        } catch (MqttException | RuntimeException e) {
            failures++;
            long delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS << Math.min(failures - 1, 16));
            if (failures == 1) {
                LOG.warn("MQTT: cannot connect to {} ({}); retrying in the background, the gateway serves "
                        + "locally meanwhile", settings.brokerUri(), describe(e));
            } else {
                LOG.debug("MQTT: connect attempt {} to {} failed ({}); next in {} s", failures,
                        settings.brokerUri(), describe(e), delay / 1000);
            }
            if (!closed) {
                try {
                    // a timed-out attempt may still be under way in Paho: stop it before the next one
                    client.disconnectForcibly(0, 1000, false);
                } catch (MqttException | RuntimeException ignored) {
                    // nothing under way
                }
            }
            schedule(delay);
            return;
        }
        afterConnect();
    }

    /** Subscribes (once per connection) and tells the listener; on the connector thread. */
    private void afterConnect() {
        if (closed || !client.isConnected() || !subscribed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("MQTT: connected to {} as {} (gateway '{}'{})", settings.brokerUri(), settings.clientId(),
                settings.gatewayId(), everConnected ? ", again" : "");
        everConnected = true;
        failures = 0;
        List<String> topics = settings.subscriptions();
        MqttSubscription[] subs = topics.stream().map(t -> new MqttSubscription(t, 1))
                .toArray(MqttSubscription[]::new);
        try {
            IMqttToken token = client.subscribe(subs);
            token.waitForCompletion(TIMEOUT_MS);
            int[] codes = token.getReasonCodes();
            for (int i = 0; codes != null && i < codes.length && i < topics.size(); i++) {
                if (codes[i] >= 0x80) {
                    LOG.error("MQTT: the broker refused the subscription to {} (reason code 0x{})", topics.get(i),
                            Integer.toHexString(codes[i]));
                }
            }
        } catch (MqttException e) {
            LOG.warn("MQTT: subscribing to {} failed ({}); reconnecting", topics, describe(e));
            subscribed.set(false);
            try {
                client.disconnectForcibly(0, 1000, false);
            } catch (MqttException ignored) {
                // the connection is gone already
            }
            schedule(MIN_DELAY_MS);
            return;
        }
        LOG.debug("MQTT: subscribed to {}", topics);
        listener.connected();
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        // also on Paho's thread: the connector subscribes
        try {
            connector.execute(this::afterConnect);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        subscribed.set(false);
        if (closed) {
            return;
        }
        LOG.info("MQTT: disconnected from {} ({}); reconnecting", settings.brokerUri(),
                response.getException() != null ? describe(response.getException())
                        : "reason code " + response.getReturnCode() + (response.getReasonString() != null
                                ? ": " + response.getReasonString() : ""));
        schedule(MIN_DELAY_MS);
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        listener.message(topic, message);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        LOG.warn("MQTT: client error: {}", describe(exception));
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        // publish() waits for its own tokens
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
        // no enhanced authentication
    }

    static MqttProperties json() {
        MqttProperties p = new MqttProperties();
        p.setContentType("application/json");
        return p;
    }

    private static String describe(Throwable e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String m = e.getMessage();
        return cause != e ? m + ": " + cause : String.valueOf(m);
    }

    private static MqttConnectionOptions options(Settings s, byte[] will) throws IOException,
            GeneralSecurityException {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(false);
        o.setSessionExpiryInterval(s.sessionExpirySeconds());
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout((int) (TIMEOUT_MS / 1000));
        o.setKeepAliveInterval(30);
        o.setWill(s.statusTopic(), new MqttMessage(will, 1, true, json()));
        o.setWillMessageProperties(json());
        if (!s.username().isEmpty()) {
            o.setUserName(s.username());
        }
        if (!s.password().isEmpty()) {
            o.setPassword(s.password().getBytes(StandardCharsets.UTF_8));
        }
        boolean tls = s.brokerUri().startsWith("ssl://") || !s.trustStore().isEmpty() || !s.keyStore().isEmpty();
        o.setSocketFactory(tls ? NoDelaySockets.tls(tls(s).getSocketFactory()) : NoDelaySockets.plain());
        return o;
    }

    /** TLS with the configured trust store (the broker's CA) and, for client certificates, key store. */
    private static SSLContext tls(Settings s) throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = null;
        if (!s.trustStore().isEmpty()) {
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(s.trustStore(), s.trustStorePassword()));
        }
        KeyManagerFactory kmf = null;
        if (!s.keyStore().isEmpty()) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(s.keyStore(), s.keyStorePassword()), s.keyStorePassword().toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    /** PKCS#12 or JKS (the default key store type reads both). */
    private static KeyStore load(String file, String password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(Paths.get(file))) {
            ks.load(in, password.isEmpty() ? null : password.toCharArray());
        }
        return ks;
    }
}
