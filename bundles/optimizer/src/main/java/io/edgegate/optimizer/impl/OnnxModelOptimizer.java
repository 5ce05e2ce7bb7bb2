package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.StreamSupport;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.OrtEnvironment;
import io.edgegate.optimizer.ModelOptimizer;
import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.OptimizerException.Reason;
import io.edgegate.optimizer.ProgressEvent;
import io.edgegate.optimizer.Variant;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelStoreListener;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.OptimizeConfig;
import io.edgegate.store.ServedVariant;

/**
 * The {@link ModelOptimizer}: the recipes of this bundle, the accuracy guard, variants kept beside the store's verified
 * copies. It also applies the {@code optimize} section of each version's {@code model.json} in the background when
 * the version is installed or changes, logging its progress, and asks the store to read the model again when a
 * variant the version is to serve was accepted (or one that served is no longer), so that the inference service swaps.
 * One optimization runs at a time: a request that finds one running is refused ({@link Reason#BUSY}); background work
 * waits its turn.
 */
@Component(service = ModelOptimizer.class, immediate = true, configurationPid = OnnxModelOptimizer.PID)
@Designate(ocd = OnnxModelOptimizer.Config.class)
public final class OnnxModelOptimizer implements ModelOptimizer, ModelStoreListener {
    static final String PID = "io.edgegate.optimizer";
    private static final Logger LOG = LoggerFactory.getLogger(OnnxModelOptimizer.class);

    @ObjectClassDefinition(name = "Edgegate optimizer", description = "On-device model optimization: recipes, "
            + "the accuracy guard's thresholds and samples.")
    public @interface Config {
        @AttributeDefinition(description = "Lowest mean cosine similarity of a variant's outputs to the original's "
                + "(row by row) that is accepted.")
        double minCosine() default 0.99;

        @AttributeDefinition(description = "The same for fp16 variants, which lose far less.")
        double fp16MinCosine() default 0.999;

        @AttributeDefinition(description = "The same for ort-graph variants, which should not change results.")
        double ortGraphMinCosine() default 0.9999;

        @AttributeDefinition(description = "Largest absolute difference of any output value that is accepted; 0: not "
                + "checked.")
        double maxAbsDiff() default 0;

        @AttributeDefinition(description = "Lowest share of rows of rank-2 outputs (class scores) whose arg-max "
                + "agrees.")
        double minTop1() default 0.99;

        @AttributeDefinition(description = "Inputs generated when the version ships no samples/*.json.")
        int samples() default 20;

        @AttributeDefinition(description = "Longest unknown dimension (but the batch) of generated inputs, e.g. the "
                + "sequence length; samples vary from 8 up to it.")
        long maxDimension() default 128;

        @AttributeDefinition(description = "ONNX Runtime intra-op threads of the guard's sessions.")
        int threads() default 1;

        @AttributeDefinition(description = "Apply the optimize section of model.json when a version is installed.")
        boolean applyModelJson() default true;
    }

    private final ModelStore store;
    private final Config config;
    private final VariantMaker maker;
    private final ReentrantLock running = new ReentrantLock();
    private final ExecutorService background;
    private final ServiceRegistration<ModelStoreListener> listening;
    private volatile boolean stopping;

    /** The component: listens to the store through a service registered by hand (see OnnxInferenceService). */
    @Activate
    public OnnxModelOptimizer(BundleContext context, Config config, @Reference ModelStore store) {
        this(store, config, context);
    }

    /** An optimizer over {@code store}; the caller tells it of store changes ({@link #modelsChanged}). */
    public OnnxModelOptimizer(ModelStore store, Config config) {
        this(store, config, null);
    }

    private OnnxModelOptimizer(ModelStore store, Config config, BundleContext context) {
        if (config.samples() < 1 || config.threads() < 1 || config.maxDimension() < 1) {
            throw new IllegalArgumentException("samples, threads and maxDimension must be positive");
        }
        this.store = store;
        this.config = config;
        this.maker = new VariantMaker(new AccuracyGuard(config.threads()), config.maxDimension(),
                OrtEnvironment.getEnvironment().getVersion());
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "edgegate-optimizer");
            t.setDaemon(true);
            return t;
        });
        if (config.applyModelJson()) {
            // the versions installed before this component started
            background.execute(() -> apply(store.versions().stream().map(ModelVersion::name).distinct().toList()));
        }
        this.listening = context == null ? null : context.registerService(ModelStoreListener.class, this, null);
        LOG.info("Optimizer started: recipes {}, guard minCosine {} (fp16 {}, ort-graph {}), minTop1 {}, {} samples",
                recipes(), config.minCosine(), config.fp16MinCosine(), config.ortGraphMinCosine(), config.minTop1(),
                config.samples());
    }

    /** Stops background work; a running optimization is cancelled at its next progress report. */
    @Deactivate
    public void close() {
        stopping = true;
        if (listening != null) {
            try {
                listening.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        background.shutdownNow();
        try {
            if (!background.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("Optimizer: background work still running after 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<String> recipes() {
        return StreamSupport.stream(Recipes.ids().spliterator(), false).toList();
    }

    @Override
    public Variant optimize(String model, long version, String recipe, Map<String, String> options,
            Consumer<ProgressEvent> progress) throws OptimizerException {
        ModelVersion v = installed(model, version);
        if (!running.tryLock()) {
            throw new OptimizerException(Reason.BUSY, "another optimization is running; one at a time");
        }
        try {
            return run(v, recipe, options == null ? Map.of() : options, progress(progress, null));
        } finally {
            running.unlock();
        }
    }

    @Override
    public List<Variant> variants(String model, long version) {
        Optional<ModelVersion> v = store.version(model, version);
        if (v.isEmpty() || v.get().problem().isPresent()) {
            return List.of();
        }
        Path dir = v.get().sourceFile().getParent().resolve(ModelStore.VARIANTS_FOLDER);
        String served = v.get().variant().map(ServedVariant::key).orElse(null);
        List<Variant> out = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> keys = Files.newDirectoryStream(dir, Files::isDirectory)) {
                for (Path k : keys) {
                    if (Files.isRegularFile(k.resolve(ModelStore.VARIANT_REPORT))) {
                        try {
                            Variant r = Reports.read(k);
                            out.add(r.withServed(r.key().equals(served)));
                        } catch (IOException | RuntimeException e) {
                            LOG.warn("Cannot read the variant report in {}: {}", k, e.toString());
                        }
                    }
                }
            } catch (IOException e) {
                LOG.warn("Cannot list the variants in {}: {}", dir, e.toString());
            }
        }
        out.sort(Comparator.comparing(Variant::created).reversed());
        return out;
    }

    @Override
    public void modelsChanged(Set<String> models) {
        if (!config.applyModelJson()) {
            return;
        }
        try {
            background.execute(() -> apply(List.copyOf(models)));
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    private ModelVersion installed(String model, long version) throws OptimizerException {
        ModelVersion v = store.version(model, version).orElseThrow(() -> new OptimizerException(
                Reason.UNKNOWN_MODEL, "model '" + model + "' has no version " + version));
        if (v.problem().isPresent()) {
            throw new OptimizerException(Reason.NOT_INSTALLED, "model '" + model + "' version " + version
                    + " is not installed: " + v.problem().get());
        }
        return v;
    }

    /** Makes the variant, then has the store read the model again if that changes what the version serves. */
    private Variant run(ModelVersion v, String recipe, Map<String, String> options, Progress progress)
            throws OptimizerException {
        Map<String, String> recipeOptions = new HashMap<>(options);
        Map<String, String> guardOptions = new HashMap<>();
        for (String g : GUARD_OPTIONS) {
            if (recipeOptions.containsKey(g)) {
                guardOptions.put(g, recipeOptions.remove(g));
            }
        }
        Guard guard = Guard.of(recipe, guardOptions, config);
        VariantMaker.Job job = new VariantMaker.Job(v, store.root().resolve(v.name())
                .resolve(Long.toString(v.version())), recipe, recipeOptions, guard.thresholds(), guard.samples());
        try {
            Variant made = maker.make(job, progress);
            refreshIfServing(v, made.key(), true);
            return made.withServed(store.version(v.name(), v.version()).flatMap(ModelVersion::variant)
                    .map(s -> s.key().equals(made.key())).orElse(false));
        } catch (OptimizerException e) {
            if (e.variant().isPresent()) {
                refreshIfServing(v, e.variant().get().key(), false);
            }
            throw e;
        } catch (CancellationException e) {
            throw new OptimizerException(Reason.IO, "cancelled: " + e.getMessage(), null, e);
        }
    }

    /** Asks the store to read the model again when the version is to serve this variant and its verdict changes that. */
    private void refreshIfServing(ModelVersion v, String key, boolean accepted) {
        ModelVersion now = store.version(v.name(), v.version()).orElse(v);
        Optional<OptimizeConfig> wanted = now.config().optimize().filter(OptimizeConfig::serve);
        if (wanted.isEmpty() || !wanted.get().variantKey(now.sha256()).equals(key)) {
            return;
        }
        boolean serving = now.variant().map(s -> s.key().equals(key)).orElse(false);
        if (accepted != serving) {
            LOG.info("Model {} version {}: {} variant {}; the store reads the model again", v.name(), v.version(),
                    accepted ? "serving the accepted" : "no longer serving", key);
            store.refresh(v.name());
        }
    }

    /** Background: the optimize sections of these models' versions that have no verdict for their settings yet. */
    private void apply(List<String> models) {
        for (String model : models) {
            for (ModelVersion v : store.versions(model)) {
                if (stopping || Thread.currentThread().isInterrupted()) {
                    return;
                }
                Optional<OptimizeConfig> o = v.config().optimize();
                if (v.problem().isEmpty() && o.isPresent() && needsWork(v, o.get())) {
                    applyOne(v, o.get());
                }
            }
        }
    }

    private boolean needsWork(ModelVersion v, OptimizeConfig o) {
        Path dir = VariantMaker.directory(v, o.variantKey(v.sha256()));
        if (!Files.isRegularFile(dir.resolve(ModelStore.VARIANT_REPORT))) {
            return true;
        }
        try {
            Variant r = Reports.read(dir);
            Guard guard = Guard.of(o.recipe(), o.guard(), config);
            if (r.accepted()) {
                // judged again only if today's thresholds are stricter; served once the store knows of it
                boolean meets = AccuracyGuard.meets(r.metrics(), guard.thresholds());
                if (meets && o.serve() && v.variant().isEmpty()) {
                    store.refresh(v.name());
                }
                return !meets;
            }
            // a rejection or failure stands for the settings it was judged with: an operator retries explicitly
            return !guard.thresholds().equals(r.thresholds());
        } catch (IOException | OptimizerException | RuntimeException e) {
            return true;
        }
    }

    private void applyOne(ModelVersion v, OptimizeConfig o) {
        Map<String, String> options = new HashMap<>(o.options());
        options.putAll(o.guard());
        String what = v.name() + " version " + v.version() + " (" + o.recipe() + ")";
        running.lock();
        try {
            LOG.info("Optimizing {} as its model.json asks", what);
            Variant made = run(v, o.recipe(), options, progress(null, what));
            LOG.info("Optimized {}: accepted, cosine {} (lowest {}), {} -> {} bytes in {} ms{}", what,
                    String.format("%.5f", made.metrics().cosineMean()), String.format("%.5f",
                            made.metrics().cosineMin()), made.sourceBytes(), made.variantBytes(),
                    made.recipeMillis() + made.guardMillis(), o.serve() ? "; it serves" : "");
        } catch (OptimizerException e) {
            LOG.warn("Optimizing {} did not produce a variant ({}): {}; the signed model keeps serving", what,
                    e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Optimizing {} failed", what, e);
        } finally {
            running.unlock();
        }
    }

    /** The caller's listener (if any), INFO lines every 10 % (if {@code what}), and cancellation when stopping. */
    private Progress progress(Consumer<ProgressEvent> listener, String what) {
        int[] logged = {-1};
        return (fraction, message) -> {
            if (stopping || Thread.currentThread().isInterrupted()) {
                throw new CancellationException("the optimizer is stopping");
            }
            double f = Math.max(0, Math.min(1, fraction));
            if (what != null && (int) (f * 10) > logged[0]) {
                logged[0] = (int) (f * 10);
                LOG.info("Optimizing {}: {}% {}", what, logged[0] * 10, message);
            }
            if (listener != null) {
                try {
                    listener.accept(new ProgressEvent(f, message));
                } catch (RuntimeException e) {
                    LOG.debug("A progress listener failed: {}", e.toString());
                }
            }
        };
    }
}
