package io.edgegate.shell.impl;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.optimizer.ModelOptimizer;
import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.Variant;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;

/**
 * {@code edgegate:optimize} and {@code edgegate:variants}. The optimizer is optional so that the commands stay and say
 * why they cannot answer while it is stopped (or its feature is not installed).
 */
@Component(service = OptimizerCommands.class, property = {
    "osgi.command.scope=" + EdgegateCommands.SCOPE,
    "osgi.command.function=optimize",
    "osgi.command.function=variants"
})
public final class OptimizerCommands {
    static final String NO_OPTIMIZER = "The optimizer is not running (feature gateway-optimizer).";
    private static final Logger LOG = LoggerFactory.getLogger(OptimizerCommands.class);

    private final AtomicReference<ModelOptimizer> optimizer = new AtomicReference<>();
    private final AtomicReference<ModelStore> store = new AtomicReference<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindOptimizer(ModelOptimizer service) {
        optimizer.set(service);
    }

    void unbindOptimizer(ModelOptimizer service) {
        optimizer.compareAndSet(service, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindStore(ModelStore service) {
        store.set(service);
    }

    void unbindStore(ModelStore service) {
        store.compareAndSet(service, null);
    }

    @Descriptor("makes an optimized variant of an installed model version (or reuses it), checks it against the "
            + "original with the accuracy guard, and prints its progress and report; recipes: ort-graph, "
            + "int8-dynamic, fp16, int8-static")
    public String optimize(CommandSession session, @Descriptor("model name") String model,
            @Descriptor("version") long version, @Descriptor("recipe") String recipe,
            @Descriptor("recipe or guard options, key=value (guard: minCosine, maxAbsDiff, minTop1, samples)")
            String... options) {
        ModelOptimizer o = optimizer.get();
        if (o == null) {
            return NO_OPTIMIZER;
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (String kv : options) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                return "Options are key=value, not '" + kv + "'.";
            }
            opts.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        PrintStream console = session == null ? null : session.getConsole();
        int[] shown = {-1};
        try {
            Variant v = o.optimize(model, version, recipe, opts, p -> {
                int percent = (int) Math.round(p.fraction() * 100);
                if (console != null && percent / 10 > shown[0]) {
                    shown[0] = percent / 10;
                    console.println(String.format("%3d%% %s", percent, p.message()));
                    console.flush();
                }
            });
            LOG.info("Model {} version {} optimized with {} from the shell: {}", model, version, recipe, v.key());
            return VariantTables.report(v);
        } catch (OptimizerException e) {
            String head = "Not optimized (" + e.reason() + "): " + DeployCommands.oneLine(e.getMessage());
            return e.variant().map(v -> head + "\n" + VariantTables.report(v)).orElse(head);
        }
    }

    @Descriptor("lists the optimized variants of every version of a model: recipe, outcome, whether it serves, the "
            + "accuracy guard's numbers, size and why a variant was rejected")
    public String variants(@Descriptor("model name") String model) {
        ModelOptimizer o = optimizer.get();
        ModelStore s = store.get();
        if (o == null || s == null) {
            return o == null ? NO_OPTIMIZER : "The model store is not running.";
        }
        List<ModelVersion> versions = s.versions(model);
        if (versions.isEmpty()) {
            return "No model '" + model + "'.";
        }
        List<Variant> all = new ArrayList<>();
        versions.forEach(v -> all.addAll(o.variants(model, v.version())));
        return VariantTables.variants(all);
    }

    @Descriptor("lists the optimized variants of one version of a model")
    public String variants(@Descriptor("model name") String model, @Descriptor("version") long version) {
        ModelOptimizer o = optimizer.get();
        if (o == null) {
            return NO_OPTIMIZER;
        }
        return VariantTables.variants(o.variants(model, version));
    }
}
