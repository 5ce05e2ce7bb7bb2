package io.edgegate.inference.impl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.accelerator.spi.AcceleratorProvider;
import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceException.Reason;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.VersionPolicy;

/**
 * What serves: per model an immutable snapshot of its versions, replaced as a whole. Readers ({@link #find})
 * never lock; every change runs on the one loader thread. A change always publishes the new snapshot first
 * and retires replaced sessions after, so a request either gets the new version or finishes on the old one.
 */
final class Models {
    private static final Logger LOG = LoggerFactory.getLogger(Models.class);

    /** One model: its versions by number, replaced sessions still draining, and whether it was unloaded. */
    record Entry(NavigableMap<Long, LoadedVersion> versions, List<LoadedVersion> draining, boolean unloaded) {
        static final Entry EMPTY = new Entry(Collections.emptyNavigableMap(), List.of(), false);
    }

    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** Set by {@link #retireAll}: a load that finishes after it must not leave an open session behind. */
    private volatile boolean stopped;
    private final ModelStore store;
    private final SessionFactory factory;
    private final Supplier<List<AcceleratorProvider>> providers;

    Models(ModelStore store, SessionFactory factory, Supplier<List<AcceleratorProvider>> providers) {
        this.store = store;
        this.factory = factory;
        this.providers = providers;
    }

    // ---- readers (any thread) ----

    /** The version asked for, or the newest READY one (the newest of all if none is ready). */
    LoadedVersion find(String name, Long version) throws InferenceException {
        Entry e = entries.get(name);
        if (e == null || (e.versions().isEmpty() && e.draining().isEmpty())) {
            throw new InferenceException(Reason.MODEL_NOT_FOUND, "model '" + name + "' not found");
        }
        if (version != null) {
            LoadedVersion v = e.versions().get(version);
            if (v == null) {
                for (LoadedVersion d : e.draining()) {
                    if (d.version() == version) {
                        return d;
                    }
                }
                throw new InferenceException(Reason.MODEL_NOT_FOUND,
                        "model '" + name + "' has no version " + version + "; it has " + e.versions().keySet());
            }
            return v;
        }
        for (LoadedVersion v : e.versions().descendingMap().values()) {
            if (v.state() == State.READY) {
                return v;
            }
        }
        if (e.versions().isEmpty()) {
            return e.draining().get(e.draining().size() - 1);
        }
        return e.versions().lastEntry().getValue();
    }

    List<ModelStatus> statuses() {
        List<ModelStatus> all = new ArrayList<>();
        new TreeMap<>(entries).forEach((name, e) -> {
            e.versions().values().forEach(v -> all.add(v.status()));
            e.draining().forEach(v -> all.add(v.status()));
        });
        return all;
    }

    boolean anyWaiting() {
        return entries.values().stream().flatMap(e -> e.versions().values().stream())
                .anyMatch(LoadedVersion::isWaiting);
    }

    Set<String> names() {
        return new HashSet<>(entries.keySet());
    }

    /** How many serving versions run on each provider instance. */
    Map<AcceleratorProvider, Integer> servingByProvider() {
        Map<AcceleratorProvider, Integer> count = new HashMap<>();
        for (Entry e : entries.values()) {
            for (LoadedVersion v : e.versions().values()) {
                if (v.state() == State.READY && v.provider() != null) {
                    count.merge(v.provider(), 1, Integer::sum);
                }
            }
        }
        return count;
    }

    /** The sessions built through a provider, serving or draining. */
    List<SessionHandle> handlesOn(AcceleratorProvider provider) {
        List<SessionHandle> handles = new ArrayList<>();
        for (Entry e : entries.values()) {
            e.versions().values().stream().filter(v -> v.provider() == provider && v.handle() != null)
                    .forEach(v -> handles.add(v.handle()));
            e.draining().stream().filter(v -> v.provider() == provider).forEach(v -> handles.add(v.handle()));
        }
        return handles;
    }

    // ---- the loader thread (and the constructor, before it starts) ----

    /** Lists versions as LOADING before their first load, so that they are known from the start. */
    void announce(List<ModelVersion> versions) {
        for (ModelVersion v : versions) {
            Entry e = entries.getOrDefault(v.name(), Entry.EMPTY);
            TreeMap<Long, LoadedVersion> next = new TreeMap<>(e.versions());
            next.putIfAbsent(v.version(), LoadedVersion.loading(v, null));
            entries.put(v.name(), new Entry(Collections.unmodifiableNavigableMap(next), e.draining(), e.unloaded()));
        }
    }


    /** Brings one model in line with the disk, its version policy and whether it is unloaded. */
    void reconcile(String name) {
        Entry e = entries.getOrDefault(name, Entry.EMPTY);
        List<ModelVersion> disk = store.versions(name);
        Map<Long, ModelVersion> onDisk = new HashMap<>();
        disk.forEach(d -> onDisk.put(d.version(), d));
        List<LoadedVersion> retire = new ArrayList<>();
        TreeMap<Long, LoadedVersion> next = new TreeMap<>();
        if (e.unloaded()) {
            e.versions().values().stream().filter(v -> v.handle() != null).forEach(retire::add);
            disk.forEach(d -> next.put(d.version(), LoadedVersion.unloaded(d)));
            publish(name, next, e.draining(), retire, true, "unloaded");
            return;
        }
        for (LoadedVersion cur : e.versions().values()) {
            ModelVersion d = onDisk.get(cur.version());
            if (d != null && sameContent(cur.source(), d) && cur.state() != State.UNLOADED) {
                next.put(cur.version(), cur);
            } else if (cur.handle() != null) {
                // changed or removed on disk: keeps serving until what replaces it is ready, then drains
                retire.add(cur);
                if (d != null) {
                    next.put(cur.version(), cur);
                }
            }
        }
        VersionPolicy policy = store.policy(name);
        List<ModelVersion> candidates = new ArrayList<>(disk.stream().filter(d -> policy.admits(d.version()))
                .toList());
        Collections.reverse(candidates);
        int ready = 0;
        Set<Long> attempted = new HashSet<>();
        for (ModelVersion d : candidates) {
            if (policy.kind() == VersionPolicy.Kind.LATEST && ready >= policy.latest()) {
                break;
            }
            LoadedVersion cur = next.get(d.version());
            boolean current = cur != null && sameContent(cur.source(), d);
            if (current && cur.state() == State.READY && !retire.contains(cur)) {
                ready++;
                continue;
            }
            if (current && cur.state() == State.FAILED) {
                continue; // the same files failed before; load() asks for a new try
            }
            if (cur == null || cur.handle() == null) {
                next.put(d.version(), LoadedVersion.loading(d, null));
                publish(name, next, e.draining(), List.of(), false, null);
            }
            LoadedVersion loaded = factory.load(d, providers.get());
            attempted.add(d.version());
            next.put(d.version(), loaded);
            if (loaded.state() == State.READY) {
                ready++;
            } else if (loaded.state() == State.FAILED) {
                LOG.error("Model {} version {} FAILED: {}", name, d.version(), loaded.reason());
            }
            e = entries.getOrDefault(name, Entry.EMPTY);
            publish(name, next, e.draining(), List.of(), false, null);
        }
        for (ModelVersion d : disk) {
            // a version the store refused (bad signature, corrupt files) is shown with its reason whatever the
            // policy would load, so that operators see why it does not serve
            LoadedVersion cur = next.get(d.version());
            // (not one that still serves: it drains once what replaces it is ready)
            if (d.problem().isPresent() && (cur == null || (cur.handle() == null && cur.state() != State.FAILED))) {
                next.put(d.version(), LoadedVersion.failed(d, d.problem().get(), null));
            }
        }
        List<Long> readyVersions = next.values().stream().filter(v -> v.state() == State.READY && !retire
                .contains(v)).map(LoadedVersion::version).toList();
        Set<Long> serving = new HashSet<>(policy.serving(readyVersions));
        for (LoadedVersion v : new ArrayList<>(next.values())) {
            if (v.state() == State.READY && !serving.contains(v.version()) && !retire.contains(v)) {
                retire.add(v);
            }
            if (retire.contains(v) || (v.state() != State.READY && !onDisk.containsKey(v.version()))) {
                if (next.get(v.version()) == v) {
                    next.remove(v.version());
                }
            }
            if (v.state() == State.LOADING && !attempted.contains(v.version()) && next.get(v.version()) == v) {
                // beyond what the policy needs now (e.g. an older version once no provider was there)
                next.remove(v.version());
            }
        }
        publish(name, next, entries.getOrDefault(name, Entry.EMPTY).draining(), retire, false, "replaced");
    }

    /**
     * Moves every READY version that {@code affected} selects to the best available provider, swapping like a
     * version swap. A session whose provider is gone keeps serving until a replacement is ready, unless the
     * provider's sessions cannot outlive it: those are replaced or closed now.
     */
    void rebalance(Predicate<LoadedVersion> affected) {
        List<AcceleratorProvider> now = providers.get();
        for (String name : names()) {
            Entry e = entries.get(name);
            if (e == null || e.unloaded()) {
                continue;
            }
            if (e.versions().values().stream().anyMatch(LoadedVersion::isWaiting)) {
                reconcile(name);
                e = entries.get(name);
            }
            for (LoadedVersion v : e.versions().values()) {
                if (v.state() != State.READY || !affected.test(v)) {
                    continue;
                }
                List<AcceleratorProvider> order = SessionFactory.order(v.source().config(), now);
                if (!order.isEmpty() && order.get(0) == v.provider()) {
                    continue;
                }
                boolean mustGo = now.stream().noneMatch(p -> p == v.provider())
                        && !v.provider().sessionsOutliveProvider();
                LoadedVersion moved = order.isEmpty() ? LoadedVersion.loading(v.source(), LoadedVersion.WAITING)
                        : factory.load(v.source(), now);
                if (moved.state() != State.READY && !mustGo) {
                    if (!order.isEmpty()) {
                        LOG.warn("Model {} version {} stays on provider {}: {}", name, v.version(),
                                v.provider().id(), moved.reason());
                    }
                    continue;
                }
                TreeMap<Long, LoadedVersion> next = new TreeMap<>(entries.get(name).versions());
                next.put(v.version(), moved);
                LOG.info("Model {} version {} moved from provider {} to {}", name, v.version(), v.provider().id(),
                        moved.provider() != null ? moved.provider().id() : "none (" + moved.reason() + ")");
                publish(name, next, entries.get(name).draining(), List.of(v), false, "provider changed");
            }
        }
    }

    /** Marks a model unloaded or not; the next reconcile acts on it. */
    void setUnloaded(String name, boolean unloaded) {
        Entry e = entries.getOrDefault(name, Entry.EMPTY);
        TreeMap<Long, LoadedVersion> next = new TreeMap<>(e.versions());
        if (!unloaded) {
            // an explicit load retries versions that failed before
            next.values().removeIf(v -> v.state() == State.FAILED || v.state() == State.UNLOADED);
        }
        entries.put(name, new Entry(Collections.unmodifiableNavigableMap(next), e.draining(), unloaded));
    }

    /** Forgets drained versions whose sessions are closed. */
    void sweep() {
        for (String name : names()) {
            Entry e = entries.get(name);
            if (e != null && e.draining().stream().anyMatch(v -> v.handle().isClosed())) {
                publish(name, new TreeMap<>(e.versions()), e.draining(), List.of(), e.unloaded(), null);
            }
        }
    }

    /** Retires every session; they close as their last requests finish. */
    List<SessionHandle> retireAll() {
        stopped = true;
        List<SessionHandle> handles = new ArrayList<>();
        for (Entry e : entries.values()) {
            e.versions().values().stream().map(LoadedVersion::handle).filter(Objects::nonNull).forEach(handles::add);
            e.draining().stream().map(LoadedVersion::handle).forEach(handles::add);
        }
        handles.forEach(SessionHandle::retire);
        return handles;
    }

    private void publish(String name, TreeMap<Long, LoadedVersion> versions, List<LoadedVersion> draining,
            List<LoadedVersion> retire, boolean unloaded, String why) {
        List<LoadedVersion> drain = new ArrayList<>();
        for (LoadedVersion d : draining) {
            if (!d.handle().isClosed()) {
                drain.add(d);
            }
        }
        for (LoadedVersion r : retire) {
            if (!r.handle().isClosed()) {
                drain.add(r.draining(why));
            }
        }
        if (versions.isEmpty() && drain.isEmpty() && !unloaded && store.versions(name).isEmpty()) {
            entries.remove(name);
        } else {
            entries.put(name, new Entry(Collections.unmodifiableNavigableMap(new TreeMap<>(versions)),
                    List.copyOf(drain), unloaded));
        }
        // Only now that no snapshot hands them out any more:
        retire.forEach(r -> r.handle().retire());
        if (stopped) {
            versions.values().stream().map(LoadedVersion::handle).filter(Objects::nonNull)
                    .forEach(SessionHandle::retire);
        }
    }

    private static boolean sameContent(ModelVersion a, ModelVersion b) {
        // the file too: the same signed content may come to serve an optimized variant of itself, or stop to
        return a == b || (a.size() == b.size() && Objects.equals(a.sha256(), b.sha256())
                && a.modelFile().equals(b.modelFile())
                && Objects.equals(a.problem(), b.problem()) && a.config().source() == b.config().source()
                && a.config().inputs().equals(b.config().inputs())
                && a.config().preferredProviders().equals(b.config().preferredProviders())
                && a.config().intraOpThreads() == b.config().intraOpThreads()
                && a.config().interOpThreads() == b.config().interOpThreads());
    }
}
