package io.edgegate.mqtt.impl;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ProviderStatus;
import io.edgegate.trust.ArtifactVerifier;

/**
 * The status document (docs/mqtt.md, {@code status}), kept retained on {@code edgegate/<id>/status}: published at
 * every connect and whenever what it says changes (models, their states, providers, the trust root), which
 * {@link #check} finds out by comparing with what was published last. Reading the inference service's snapshots
 * is cheap, so a check every few seconds costs nothing.
 */
final class StatusPublisher {
    /** Publishes a retained message; false if it could not (not connected). */
    interface Publisher {
        boolean publishRetained(String topic, byte[] payload);
    }

    private final Settings settings;
    private final Services services;
    private final Instant since;
    private final Publisher publisher;
    private ObjectNode published;

    StatusPublisher(Settings settings, Services services, Instant since, Publisher publisher) {
        this.settings = settings;
        this.services = services;
        this.since = since;
        this.publisher = publisher;
    }

    /** What {@code status} answers and what is retained. */
    ObjectNode document() {
        ObjectNode o = head(true);
        o.put("since", since.toString());
        ArrayNode models = o.putArray("models");
        ArrayNode providers = o.putArray("providers");
        InferenceService inference = services.inference.get();
        if (inference != null) {
            for (ModelStatus s : inference.models()) {
                ObjectNode m = models.addObject();
                m.put("name", s.name());
                m.put("version", s.version());
                m.put("state", s.state().name());
                s.reason().ifPresent(r -> m.put("reason", r));
                s.provider().ifPresent(p -> m.put("provider", p));
                s.sha256().ifPresent(h -> m.put("sha256", h));
            }
            for (ProviderStatus p : inference.providers()) {
                ObjectNode n = providers.addObject();
                n.put("id", p.id());
                n.put("available", p.available());
            }
        }
        ArtifactVerifier verifier = services.verifier.get();
        if (verifier != null) {
            o.put("trustRoot", verifier.rootVersion());
            o.put("enforcing", verifier.enforcing());
        } else {
            o.putNull("trustRoot");
            o.putNull("enforcing");
        }
        return o;
    }

    /**
     * {@code {"online": false, ...}}: the Last Will ({@code stopped} false: the broker publishes it when the
     * connection is lost), or what the gateway publishes itself when it stops.
     */
    byte[] offline(boolean stopped) {
        ObjectNode o = head(false);
        if (stopped) {
            o.put("since", Instant.now().toString());
        }
        o.put("reason", stopped ? "stopped" : "connection lost");
        return Reply.bytes(o);
    }

    private ObjectNode head(boolean online) {
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("online", online);
        o.put("gateway", settings.gatewayId());
        o.put("version", settings.version());
        return o;
    }

    /** Publishes the document if it changed since it was last published, or always if {@code force}. */
    synchronized void check(boolean force) {
        ObjectNode now = document();
        if (!force && now.equals(published)) {
            return;
        }
        if (publisher.publishRetained(settings.statusTopic(), Reply.bytes(now))) {
            published = now;
        }
    }
}
