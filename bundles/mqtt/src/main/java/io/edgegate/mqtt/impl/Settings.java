package io.edgegate.mqtt.impl;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The component's configuration, checked and resolved: the gateway id, the topics that follow from it, limits and
 * the data folder. Secrets are never part of {@link #toString()}.
 */
record Settings(String brokerUri, String gatewayId, String fleet, String fleetGroup, String username,
        String password, String trustStore, String trustStorePassword, String keyStore, String keyStorePassword,
        long sessionExpirySeconds, int workerThreads, int queueLength, int maxPayloadBytes, int idempotencyEntries,
        Duration idempotencyTtl, Duration uploadExpiry, Duration loadTimeout, Path dataDirectory, String version) {

    /** Framework property naming the gateway's home; {@code data/mqtt} lies below it. */
    static final String HOME_PROPERTY = "edgegate.home";
    /** Framework property with the gateway id, used when the configuration leaves {@code gatewayId} empty. */
    static final String GATEWAY_ID_PROPERTY = "edgegate.gateway.id";

    Settings {
        requireLevel("gatewayId", gatewayId, false);
        requireLevel("fleet", fleet, true);
        requireLevel("fleetGroup", fleetGroup, fleet.isEmpty());
        positive("sessionExpirySeconds", sessionExpirySeconds);
        positive("workerThreads", workerThreads);
        positive("queueLength", queueLength);
        positive("maxPayloadBytes", maxPayloadBytes);
        positive("idempotencyEntries", idempotencyEntries);
        positive("idempotencyTtl", idempotencyTtl.toMillis());
        positive("uploadExpiry", uploadExpiry.toMillis());
        positive("loadTimeout", loadTimeout.toMillis());
    }

    /**
     * Resolves the configuration of a gateway.
     *
     * @param home the gateway home ({@code edgegate.home}); {@code null}: the working directory
     * @param frameworkGatewayId the framework property {@value #GATEWAY_ID_PROPERTY}, or {@code null}
     * @param trustGatewayId the {@code gatewayId} of configuration {@code io.edgegate.trust}, or {@code null}
     * @param version the gateway's version, reported in the status
     */
    static Settings of(MqttGateway.Config c, String home, String frameworkGatewayId, String trustGatewayId,
            String version) {
        String id = firstNonBlank(c.gatewayId(), frameworkGatewayId, trustGatewayId);
        Path base = Paths.get(home != null ? home : System.getProperty("user.dir"));
        return new Settings(c.brokerUri().trim(), id != null ? id : hostName(), c.fleet().trim(),
                c.fleetGroup().trim(), c.username(), c.password(), file(base, c.trustStore()),
                c.trustStorePassword(), file(base, c.keyStore()), c.keyStorePassword(), c.sessionExpirySeconds(), c.workerThreads(),
                c.queueLength(), c.maxPayloadBytes(), c.idempotencyEntries(),
                Duration.ofMinutes(c.idempotencyMinutes()), Duration.ofHours(c.uploadExpiryHours()),
                Duration.ofSeconds(c.loadTimeoutSeconds()), base.resolve("data").resolve("mqtt"), version);
    }

    String statusTopic() {
        return "edgegate/" + gatewayId + "/status";
    }

    /** Operations arrive on {@code edgegate/<id>/req/<operation>}. */
    String requestPrefix() {
        return "edgegate/" + gatewayId + "/req/";
    }

    /** Inference requests arrive on {@code edgegate/<id>/infer/<model>}. */
    String inferPrefix() {
        return "edgegate/" + gatewayId + "/infer/";
    }

    /** The fleet's inference topics as messages arrive on them (without {@code $share/<group>/}), or null. */
    String fleetInferPrefix() {
        return fleet.isEmpty() ? null : "edgegate/fleet/" + fleet + "/infer/";
    }

    /** What the gateway subscribes to, all at QoS 1. */
    List<String> subscriptions() {
        List<String> topics = new ArrayList<>(List.of(requestPrefix() + "#", inferPrefix() + "+"));
        if (!fleet.isEmpty()) {
            topics.add("$share/" + fleetGroup + "/" + fleetInferPrefix() + "+");
        }
        return topics;
    }

    /** Stable across restarts, so that the broker keeps the session (clean start false). */
    String clientId() {
        return "edgegate-" + gatewayId;
    }

    @Override
    public String toString() {
        return "broker " + brokerUri + ", gateway '" + gatewayId + "'" + (fleet.isEmpty() ? ""
                : ", fleet '" + fleet + "' (group '" + fleetGroup + "')") + (username.isEmpty() ? ""
                : ", user '" + username + "'") + ", session expiry " + sessionExpirySeconds + " s, " + workerThreads
                + " worker(s), queue " + queueLength;
    }

    /** A file setting; relative to the gateway home. */
    private static String file(Path home, String setting) {
        return setting.isBlank() ? "" : home.resolve(setting.trim()).toString();
    }

    private static String firstNonBlank(String... candidates) {
        for (String c : candidates) {
            if (c != null && !c.isBlank()) {
                return c.trim();
            }
        }
        return null;
    }

    /** Ids become topic levels: no separators or wildcards. */
    private static void requireLevel(String name, String value, boolean mayBeEmpty) {
        if (value.isEmpty() && mayBeEmpty) {
            return;
        }
        if (value.isEmpty() || value.length() > 128 || value.chars().anyMatch(ch -> ch == '/' || ch == '+'
                || ch == '#' || ch == '$' || Character.isWhitespace(ch) || Character.isISOControl(ch))) {
            throw new IllegalArgumentException(name + " '" + value + "' cannot be an MQTT topic level: 1 to 128 "
                    + "characters, without '/', '+', '#', '$' or spaces");
        }
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, not " + value);
        }
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env != null && !env.isBlank() ? env : "localhost";
        }
    }
}
