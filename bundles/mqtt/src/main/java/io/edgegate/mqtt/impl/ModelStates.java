package io.edgegate.mqtt.impl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.VersionPolicy;

/**
 * What the operations report about model versions: every version on disk with the inference service's state, and
 * the wait for a version to settle after a change. A version on disk that its version policy does not select is
 * {@code INSTALLED} (verified, not loaded); one the store refused is {@code FAILED} with the store's reason.
 */
final class ModelStates {
    static final String INSTALLED = "INSTALLED";
    private static final long POLL_MS = 100;

    private final Services services;
    private final Duration timeout;

    ModelStates(Services services, Duration timeout) {
        this.services = services;
        this.timeout = timeout;
    }

    /** Every version of one model ({@code name}) or of all ({@code null}), ordered by name and version. */
    ArrayNode list(String name) throws OpException {
        ModelStore store = services.store();
        InferenceService inference = services.inference();
        Map<String, ModelStatus> loaded = new LinkedHashMap<>();
        for (ModelStatus s : inference.models()) {
            if (name == null || s.name().equals(name)) {
                loaded.putIfAbsent(s.name() + "/" + s.version(), s);
            }
        }
        List<ObjectNode> rows = new ArrayList<>();
        for (ModelVersion v : name == null ? store.versions() : store.versions(name)) {
            ModelStatus s = loaded.remove(v.name() + "/" + v.version());
            rows.add(s != null ? row(s) : row(v));
        }
        loaded.values().forEach(s -> rows.add(row(s)));
        rows.sort(Comparator.comparing((ObjectNode o) -> o.path("name").asText())
                .thenComparingLong(o -> o.path("version").asLong()));
        ArrayNode a = Body.JSON.createArrayNode();
        rows.forEach(a::add);
        return a;
    }

    /** {@code {"name", "versions": [...]}}: what activate, rollback and remove answer. */
    ObjectNode model(String name) throws OpException {
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("name", name);
        o.set("versions", list(name));
        return o;
    }

    /**
     * Waits (at most the load timeout) until the version is no longer LOADING (READY or FAILED, or UNLOADED or
     * DRAINING), or clearly will not load because its version policy does not select it; after the timeout it is
     * reported as it is, usually LOADING.
     */
    ObjectNode await(String name, long version) throws OpException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ObjectNode settled = settled(name, version);
            if (settled != null) {
                return settled;
            }
            if (System.nanoTime() > deadline) {
                ObjectNode o = Body.JSON.createObjectNode();
                o.put("name", name);
                o.put("version", version);
                o.put("state", State.LOADING.name());
                o.put("reason", "not settled after " + timeout.toSeconds() + " s; see models/list");
                return o;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OpException(503, "the gateway is stopping");
            }
        }
    }

    /** The newest READY version of a model, if any serves. */
    Optional<Long> serving(String name) throws OpException {
        return services.inference().models().stream().filter(s -> s.name().equals(name) && s.isReady())
                .map(ModelStatus::version).max(Long::compare);
    }

    private ObjectNode settled(String name, long version) throws OpException {
        InferenceService inference = services.inference();
        try {
            ModelStatus s = inference.model(name, version);
            if (s.state() != State.LOADING) {
                return row(s); // READY or FAILED; UNLOADED and DRAINING will not change by waiting either
            }
        } catch (InferenceException e) {
            // not known to the inference service (yet)
        }
        Optional<ModelVersion> v = services.store().version(name, version);
        if (v.isPresent() && (v.get().problem().isPresent() || !selected(name, version))) {
            return row(v.get());
        }
        return null;
    }

    /** Whether the version policy will load the version: admitted, and not outnumbered by newer ready ones. */
    private boolean selected(String name, long version) throws OpException {
        VersionPolicy policy = services.store().policy(name);
        if (!policy.admits(version)) {
            return false;
        }
        if (policy.kind() != VersionPolicy.Kind.LATEST) {
            return true;
        }
        long newerReady = services.inference().models().stream()
                .filter(s -> s.name().equals(name) && s.isReady() && s.version() > version).count();
        return newerReady < policy.latest();
    }

    private static ObjectNode row(ModelStatus s) {
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("name", s.name());
        o.put("version", s.version());
        o.put("state", s.state().name());
        s.reason().ifPresent(r -> o.put("reason", r));
        s.provider().ifPresent(p -> o.put("provider", p));
        s.sha256().ifPresent(h -> o.put("sha256", h));
        return o;
    }

    private static ObjectNode row(ModelVersion v) {
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("name", v.name());
        o.put("version", v.version());
        o.put("state", v.problem().isPresent() ? State.FAILED.name() : INSTALLED);
        v.problem().ifPresent(p -> o.put("reason", p));
        if (v.sha256() != null) {
            o.put("sha256", v.sha256());
        }
        return o;
    }
}
