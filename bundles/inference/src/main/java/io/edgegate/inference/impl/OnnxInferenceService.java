package io.edgegate.inference.impl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.edgegate.accelerator.spi.AcceleratorProvider;
import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceException.Reason;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.inference.ProviderStatus;
import io.edgegate.inference.SessionCounts;
import io.edgegate.model.Tensor;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelStoreListener;

/**
 * Serves every model version of the store from an ONNX Runtime session, and keeps doing so while versions
 * and accelerator providers come and go: new sessions are built, checked and warmed up on one loader thread,
 * swapped in atomically, and the replaced ones drain before they are closed.
 */
@Component(service = InferenceService.class, immediate = true)
public final class OnnxInferenceService implements InferenceService, ModelStoreListener {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxInferenceService.class);
    /** A request whose version was swapped out between lookup and use looks again; this many times at most. */
    private static final int ATTEMPTS = 5;
    private static final long WAIT_SECONDS = 120;

    private final OrtEnvironment env;
    private final ModelStore store;
    private final SessionFactory sessions;
    private final Models models;
    private final ExecutorService loader;
    private final List<Ranked> providers = new CopyOnWriteArrayList<>();
    private volatile boolean ready;
    private final ServiceRegistration<ModelStoreListener> listening;

    private record Ranked(AcceleratorProvider provider, int ranking, long serviceId) {
    }

    /**
     * The component: listens to the store through a service registered by hand, not by DS, because a DS
     * service would make the store and this component wait for each other (a reference cycle).
     */
    @Activate
    public OnnxInferenceService(BundleContext context, @Reference(name = "store") ModelStore store) {
        this(store, context);
    }

    /** A service over {@code store}; the caller tells it of store changes ({@link #modelsChanged}). */
    public OnnxInferenceService(ModelStore store) {
        this(store, null);
    }

    private OnnxInferenceService(ModelStore store, BundleContext context) {
        this.env = OrtEnvironment.getEnvironment();
        this.store = store;
        this.loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "edgegate-model-loader");
            t.setDaemon(true);
            return t;
        });
        // A drained session leaves the listing as soon as it is closed.
        this.sessions = new SessionFactory(env, () -> {
            if (!loader.isShutdown()) {
                loader.execute(this::sweep);
            }
        });
        this.models = new Models(store, sessions, this::rankedProviders);
        models.announce(store.versions());
        loader.execute(() -> {
            store.versions().stream().map(v -> v.name()).distinct().forEach(this::reconcile);
            updateReady();
        });
        this.listening = context == null ? null
                : context.registerService(ModelStoreListener.class, this, null);
        LOG.info("Inference service started; loading {} model version(s)", store.versions().size());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void addProvider(AcceleratorProvider provider, Map<String, Object> properties) {
        int ranking = ranking(provider, properties.get(Constants.SERVICE_RANKING));
        long id = properties.get(Constants.SERVICE_ID) instanceof Long l ? l : 0L;
        providers.add(new Ranked(provider, ranking, id));
        LOG.info("Accelerator provider {} registered (ranking {}, {})", provider.id(), ranking,
                provider.isAvailable() ? "available" : "not available");
        // Every model may do better on it (or on a new instance of the provider it runs on).
        loader.execute(() -> {
            models.rebalance(v -> true);
            updateReady();
        });
    }

    private static int ranking(AcceleratorProvider provider, Object value) {
        if (value instanceof Integer r) {
            return r;
        }
        if (value != null) {
            try {
                return Integer.parseInt(value.toString().trim());
            } catch (NumberFormatException e) {
                LOG.warn("Accelerator provider {}: service.ranking '{}' is not an integer; using 0", provider.id(),
                        value);
            }
        }
        return 0;
    }

    /**
     * Sessions of a provider whose execution-provider library goes away with it are moved or closed before
     * this returns, so the provider may unregister its library afterwards.
     */
    public void removeProvider(AcceleratorProvider provider) {
        providers.removeIf(r -> r.provider() == provider);
        LOG.info("Accelerator provider {} gone", provider.id());
        if (loader.isShutdown()) {
            return; // the service itself is stopping: deactivate retired every session
        }
        if (provider.sessionsOutliveProvider()) {
            loader.execute(() -> models.rebalance(v -> v.provider() == provider));
            return;
        }
        List<SessionHandle> moved = new ArrayList<>();
        try {
            onLoader(() -> {
                moved.addAll(models.handlesOn(provider));
                models.rebalance(v -> v.provider() == provider);
                return null;
            });
            for (SessionHandle h : moved) {
                if (!h.awaitClosed(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.error("Session {} still in use after {} s; provider {} leaves anyway", h.label(),
                            WAIT_SECONDS, provider.id());
                }
            }
        } catch (InferenceException | InterruptedException e) {
            LOG.error("Moving the models off provider {} failed: {}", provider.id(), e.getMessage());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void modelsChanged(Set<String> names) {
        loader.execute(() -> {
            names.forEach(this::reconcile);
            updateReady();
        });
    }

    /** Stops loading and retires every session; each closes when its last request is done. */
    @Deactivate
    public void deactivate() {
        if (listening != null) {
            try {
                listening.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        loader.shutdownNow();
        try {
            loader.awaitTermination(30, TimeUnit.SECONDS);
            // Let running requests finish before providers (and their native libraries) go away.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (SessionHandle h : models.retireAll()) {
                long left = deadline - System.nanoTime();
                if (!h.awaitClosed(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
                    LOG.warn("Session {} still in use at stop; it closes when its request ends", h.label());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Inference service stopped");
    }

    private void reconcile(String name) {
        try {
            models.reconcile(name);
        } catch (RuntimeException e) {
            LOG.error("Updating model {} failed: {}", name, e.toString(), e);
        }
        models.sweep();
    }

    /** A method, not models::sweep, because the field is not yet assigned where the callback is made. */
    private void sweep() {
        models.sweep();
    }

    private void updateReady() {
        if (!ready && (!models.anyWaiting() || models.names().isEmpty())) {
            ready = true;
        }
    }

    private List<AcceleratorProvider> rankedProviders() {
        List<Ranked> snapshot = new ArrayList<>(providers);
        snapshot.sort(Comparator.comparingInt(Ranked::ranking).reversed().thenComparingLong(Ranked::serviceId));
        return snapshot.stream().map(Ranked::provider).toList();
    }

    private <T> T onLoader(Callable<T> task) throws InferenceException, InterruptedException {
        Future<T> f = loader.submit(task);
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InferenceException ie) {
                throw ie;
            }
            throw new InferenceException(Reason.INTERNAL, String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new InferenceException(Reason.INTERNAL, "still working after " + WAIT_SECONDS + " s");
        }
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public List<ModelStatus> models() {
        return models.statuses();
    }

    @Override
    public ModelStatus model(String name, Long version) throws InferenceException {
        return models.find(name, version).status();
    }

    @Override
    public void load(String name) throws InferenceException {
        store.rescan();
        if (store.versions(name).isEmpty()) {
            throw new InferenceException(Reason.MODEL_NOT_FOUND, "model '" + name + "' not found in " + store.root());
        }
        try {
            onLoader(() -> {
                models.setUnloaded(name, false);
                models.reconcile(name);
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(Reason.INTERNAL, "interrupted");
        }
        ModelStatus status = models.find(name, null).status();
        if (status.state() != State.READY) {
            throw new InferenceException(Reason.MODEL_NOT_READY, "model '" + name + "' did not load: version "
                    + status.version() + " is " + status.state().name().toLowerCase(Locale.ROOT)
                    + status.reason().map(r -> ": " + r).orElse(""));
        }
    }

    @Override
    public void unload(String name) throws InferenceException {
        if (!models.names().contains(name) && store.versions(name).isEmpty()) {
            throw new InferenceException(Reason.MODEL_NOT_FOUND, "model '" + name + "' not found");
        }
        try {
            onLoader(() -> {
                models.setUnloaded(name, true);
                models.reconcile(name);
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(Reason.INTERNAL, "interrupted");
        }
        LOG.info("Model {} unloaded on request", name);
    }

    @Override
    public List<ProviderStatus> providers() {
        Map<AcceleratorProvider, Integer> serving = models.servingByProvider();
        List<ProviderStatus> out = new ArrayList<>();
        for (Ranked r : providers.stream().sorted(Comparator.comparingInt(Ranked::ranking).reversed()).toList()) {
            boolean available;
            try {
                available = r.provider().isAvailable();
            } catch (RuntimeException e) {
                available = false;
            }
            out.add(new ProviderStatus(r.provider().id(), r.ranking(), available, r.provider().devices(),
                    serving.getOrDefault(r.provider(), 0)));
        }
        return out;
    }

    @Override
    public SessionCounts sessions() {
        return new SessionCounts(sessions.opened.get(), sessions.closed.get());
    }

    @Override
    public InferenceResponse infer(InferenceRequest request) throws InferenceException {
        for (int attempt = 1;; attempt++) {
            LoadedVersion v = models.find(request.model(), request.version());
            OrtSession session = v.handle() == null ? null : v.handle().acquire();
            if (session == null) {
                // Swapped out between lookup and use: the next lookup sees what replaced it.
                if (v.state() == State.READY && attempt < ATTEMPTS) {
                    continue;
                }
                String why = v.reason() != null ? ": " + v.reason() : "";
                throw new InferenceException(Reason.MODEL_NOT_READY, "model '" + request.model() + "' version "
                        + v.version() + " is " + v.state().name().toLowerCase(Locale.ROOT) + why);
            }
            try {
                RequestValidator.validate(request, v.inputs(), v.outputs());
                List<Tensor> outputs = run(session, request, v);
                return new InferenceResponse(request.model(), v.version(), request.id(), outputs);
            } finally {
                v.handle().release();
            }
        }
    }

    private List<Tensor> run(OrtSession session, InferenceRequest request, LoadedVersion v)
            throws InferenceException {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            for (Tensor t : request.inputs()) {
                inputs.put(t.name(), TensorConversion.toOrt(env, t));
            }
            Set<String> wanted = request.outputs().isEmpty() ? v.outputs().keySet()
                    : new LinkedHashSet<>(request.outputs());
            try (OrtSession.Result result = session.run(inputs, wanted)) {
                List<Tensor> out = new ArrayList<>(result.size());
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (!(e.getValue() instanceof OnnxTensor tensor)) {
                        throw new InferenceException(Reason.INTERNAL,
                                "output '" + e.getKey() + "' is not a tensor");
                    }
                    out.add(TensorConversion.fromOrt(e.getKey(), tensor));
                }
                return out;
            }
        } catch (OrtException e) {
            Reason reason = e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT
                    ? Reason.INVALID_INPUT : Reason.INTERNAL;
            throw new InferenceException(reason, "ONNX Runtime: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }
}
