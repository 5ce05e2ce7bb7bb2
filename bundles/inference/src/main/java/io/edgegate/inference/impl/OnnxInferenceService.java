package io.edgegate.inference.impl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.Constants;
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
import io.edgegate.model.Tensor;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;

/**
 * Serves every model version of the store from an ONNX Runtime session. Sessions are created in the
 * background on one loader thread; a request without a version goes to the newest READY version.
 */
@Component(service = InferenceService.class, immediate = true)
public final class OnnxInferenceService implements InferenceService {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxInferenceService.class);

    private final SessionFactory sessions;
    private final OrtEnvironment env;
    private final ExecutorService loader;
    private final ConcurrentMap<String, NavigableMap<Long, LoadedVersion>> models = new ConcurrentHashMap<>();
    private final List<Ranked> providers = new CopyOnWriteArrayList<>();
    private final AtomicInteger initialPending;

    private record Ranked(AcceleratorProvider provider, int ranking, long serviceId) {
    }

    @Activate
    public OnnxInferenceService(@Reference(name = "store") ModelStore store) {
        this.env = OrtEnvironment.getEnvironment();
        this.sessions = new SessionFactory(env);
        this.loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "edgegate-model-loader");
            t.setDaemon(true);
            return t;
        });
        List<ModelVersion> initial = store.versions();
        this.initialPending = new AtomicInteger(initial.size());
        for (ModelVersion v : initial) {
            put(LoadedVersion.loading(v, null));
            loader.execute(() -> load(v, true));
        }
        LOG.info("Inference service started; loading {} model version(s)", initial.size());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void addProvider(AcceleratorProvider provider, Map<String, Object> properties) {
        int ranking = properties.get(Constants.SERVICE_RANKING) instanceof Integer r ? r : 0;
        long id = properties.get(Constants.SERVICE_ID) instanceof Long l ? l : 0L;
        providers.add(new Ranked(provider, ranking, id));
        LOG.info("Accelerator provider {} available (ranking {})", provider.id(), ranking);
        // On the loader thread, after any load that ran without providers: no version is left waiting.
        loader.execute(this::retryWaiting);
    }

    public void removeProvider(AcceleratorProvider provider) {
        providers.removeIf(r -> r.provider() == provider);
        LOG.info("Accelerator provider {} gone", provider.id());
    }

    /** Stops loading and retires every session; each closes when its last request is done. */
    @Deactivate
    public void deactivate() {
        loader.shutdownNow();
        try {
            loader.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (NavigableMap<Long, LoadedVersion> versions : models.values()) {
            for (LoadedVersion v : versions.values()) {
                if (v.handle() != null) {
                    v.handle().retire();
                }
            }
        }
        LOG.info("Inference service stopped");
    }

    private List<AcceleratorProvider> rankedProviders() {
        List<Ranked> snapshot = new ArrayList<>(providers);
        snapshot.sort(Comparator.comparingInt(Ranked::ranking).reversed().thenComparingLong(Ranked::serviceId));
        return snapshot.stream().map(Ranked::provider).toList();
    }

    private void load(ModelVersion version, boolean initial) {
        LoadedVersion loaded = sessions.load(version, rankedProviders());
        put(loaded);
        if (loaded.state() == State.FAILED) {
            LOG.error("Model {} version {} FAILED: {}", version.name(), version.version(), loaded.reason());
        }
        if (initial && loaded.state() != State.LOADING) {
            initialPending.decrementAndGet();
        }
    }

    private void retryWaiting() {
        for (NavigableMap<Long, LoadedVersion> versions : models.values()) {
            for (LoadedVersion v : versions.values()) {
                if (v.state() == State.LOADING && v.reason() != null) {
                    load(v.source(), true);
                }
            }
        }
    }

    private void put(LoadedVersion v) {
        models.computeIfAbsent(v.source().name(), n -> new ConcurrentSkipListMap<>())
                .put(v.source().version(), v);
    }

    @Override
    public boolean isReady() {
        return initialPending.get() == 0;
    }

    @Override
    public List<ModelStatus> models() {
        List<ModelStatus> all = new ArrayList<>();
        new java.util.TreeMap<>(models).values()
                .forEach(versions -> versions.values().forEach(v -> all.add(v.status())));
        return all;
    }

    @Override
    public ModelStatus model(String name, Long version) throws InferenceException {
        return find(name, version).status();
    }

    /** The version asked for, or the newest READY one (the newest of all if none is ready). */
    private LoadedVersion find(String name, Long version) throws InferenceException {
        NavigableMap<Long, LoadedVersion> versions = models.get(name);
        if (versions == null || versions.isEmpty()) {
            throw new InferenceException(Reason.MODEL_NOT_FOUND, "model '" + name + "' not found");
        }
        if (version != null) {
            LoadedVersion v = versions.get(version);
            if (v == null) {
                throw new InferenceException(Reason.MODEL_NOT_FOUND,
                        "model '" + name + "' has no version " + version + "; it has " + versions.keySet());
            }
            return v;
        }
        for (LoadedVersion v : versions.descendingMap().values()) {
            if (v.state() == State.READY) {
                return v;
            }
        }
        return versions.lastEntry().getValue();
    }

    @Override
    public InferenceResponse infer(InferenceRequest request) throws InferenceException {
        LoadedVersion v = find(request.model(), request.version());
        OrtSession session = v.handle() == null ? null : v.handle().acquire();
        if (session == null) {
            String state = v.handle() != null ? "stopping" : v.state().name().toLowerCase(Locale.ROOT);
            String why = v.reason() != null ? ": " + v.reason() : "";
            throw new InferenceException(Reason.MODEL_NOT_READY, "model '" + request.model() + "' version "
                    + v.source().version() + " is " + state + why);
        }
        try {
            RequestValidator.validate(request, v.inputs(), v.outputs());
            List<Tensor> outputs = run(session, request, v);
            return new InferenceResponse(request.model(), v.source().version(), request.id(), outputs);
        } finally {
            v.handle().release();
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
