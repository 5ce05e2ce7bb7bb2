package io.edgegate.inference.impl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.edgegate.accelerator.spi.AcceleratorProvider;
import io.edgegate.accelerator.spi.SessionSettings;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.model.DataType;
import io.edgegate.model.Tensor;
import io.edgegate.model.TensorSpec;
import io.edgegate.store.ModelConfig;
import io.edgegate.store.ModelVersion;

/**
 * Creates, checks and warms up the session of one model version on the best provider that accepts it. A
 * version only reaches READY once a warm-up run on inputs generated from its metadata has succeeded.
 */
final class SessionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(SessionFactory.class);

    private final OrtEnvironment env;
    private final Runnable afterClose;
    final AtomicLong opened = new AtomicLong();
    final AtomicLong closed = new AtomicLong();

    /** @param afterClose runs after any session this factory made is closed */
    SessionFactory(OrtEnvironment env, Runnable afterClose) {
        this.env = env;
        this.afterClose = afterClose;
    }

    /**
     * Loads {@code version}, trying providers in {@link #order} until one accepts it.
     *
     * @param providers the available providers, highest ranking first
     * @return a READY or FAILED version, or LOADING if there is no provider at all; never throws
     */
    LoadedVersion load(ModelVersion version, List<AcceleratorProvider> providers) {
        if (version.problem().isPresent()) {
            return LoadedVersion.failed(version, version.problem().get(), null);
        }
        List<AcceleratorProvider> order = order(version.config(), providers);
        if (order.isEmpty()) {
            return LoadedVersion.loading(version, LoadedVersion.WAITING);
        }
        ModelConfig config = version.config();
        SessionSettings settings = new SessionSettings(config.intraOpThreads(), config.interOpThreads());
        List<String> failures = new ArrayList<>();
        for (AcceleratorProvider provider : order) {
            long start = System.nanoTime();
            OrtSession session;
            try (SessionOptions options = new SessionOptions()) {
                provider.configure(options, settings);
                session = env.createSession(version.modelFile().toString(), options);
            } catch (OrtException | RuntimeException e) {
                failures.add(provider.id() + ": " + e.getMessage());
                LOG.warn("Model {} version {} did not load on provider {}: {}", version.name(), version.version(),
                        provider.id(), e.getMessage());
                continue;
            }
            opened.incrementAndGet();
            String label = version.name() + "/" + version.version() + "@" + provider.id();
            SessionHandle handle = new SessionHandle(session, label, () -> {
                closed.incrementAndGet();
                afterClose.run();
            });
            Map<String, TensorSpec> inputs;
            Map<String, TensorSpec> outputs;
            try {
                inputs = specs(session.getInputInfo(), "input");
                outputs = specs(session.getOutputInfo(), "output");
                checkDeclared(config.inputs(), inputs, "input");
                checkDeclared(config.outputs(), outputs, "output");
            } catch (OrtException | RuntimeException e) {
                handle.retire();
                // The model itself is at fault: another provider would not do better.
                return LoadedVersion.failed(version, e.getMessage(), provider);
            }
            try {
                warmUp(session, inputs);
            } catch (OrtException | RuntimeException e) {
                handle.retire();
                // A provider may fail to run what it accepted (a faulty vendor library): try the next one.
                failures.add(provider.id() + ": warm-up failed: " + e.getMessage());
                LOG.warn("Model {} version {} failed its warm-up on provider {}: {}", version.name(),
                        version.version(), provider.id(), e.getMessage());
                continue;
            }
            LOG.info("Model {} version {} ready on provider {} in {} ms", version.name(), version.version(),
                    provider.id(), (System.nanoTime() - start) / 1_000_000);
            return new LoadedVersion(version, State.READY, null, provider, handle, inputs, outputs);
        }
        return LoadedVersion.failed(version, "ONNX Runtime could not load or run model.onnx: "
                + String.join("; ", failures), null);
    }

    /** The model's preferred providers first, in its order; then every other available one by ranking. */
    static List<AcceleratorProvider> order(ModelConfig config, List<AcceleratorProvider> providers) {
        List<AcceleratorProvider> available = providers.stream().filter(SessionFactory::available).toList();
        List<AcceleratorProvider> ordered = new ArrayList<>();
        for (String id : config.preferredProviders()) {
            available.stream().filter(p -> p.id().equals(id) && !ordered.contains(p)).findFirst()
                    .ifPresent(ordered::add);
        }
        if (!config.preferredProviders().isEmpty() && ordered.isEmpty() && !available.isEmpty()) {
            LOG.warn("None of the preferred providers {} is available; using the best available one",
                    config.preferredProviders());
        }
        available.stream().filter(p -> !ordered.contains(p)).forEach(ordered::add);
        return ordered;
    }

    private static boolean available(AcceleratorProvider p) {
        try {
            return p.isAvailable();
        } catch (RuntimeException e) {
            LOG.warn("Accelerator provider {} failed to say whether it is available: {}", p, e.toString());
            return false;
        }
    }

    /** One run on zeros shaped by the model's inputs (dynamic dimensions as 1): pays first-run costs now. */
    private void warmUp(OrtSession session, Map<String, TensorSpec> inputs) throws OrtException {
        Map<String, OnnxTensor> tensors = new HashMap<>();
        try {
            for (TensorSpec spec : inputs.values()) {
                if (spec.datatype() == DataType.BYTES || TensorConversion.javaType(spec.datatype()) == null) {
                    return; // cannot make such an input here; the first request warms up instead
                }
                long[] shape = spec.shape();
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shape[i] < 0 ? 1 : shape[i];
                }
                long bytes = Tensor.elementCount(shape) * spec.datatype().byteSize();
                if (bytes > 64L << 20) {
                    return; // a warm-up larger than 64 MiB costs more than it saves
                }
                ByteBuffer zeros = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
                tensors.put(spec.name(), OnnxTensor.createTensor(env, zeros, shape,
                        TensorConversion.javaType(spec.datatype())));
            }
            try (OrtSession.Result r = session.run(tensors)) {
                LOG.debug("Warm-up gave {} outputs", r.size());
            }
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    private static Map<String, TensorSpec> specs(Map<String, NodeInfo> nodes, String kind) {
        Map<String, TensorSpec> specs = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> e : nodes.entrySet()) {
            TensorSpec spec = TensorConversion.spec(e.getKey(), e.getValue());
            if (spec == null) {
                throw new IllegalArgumentException(
                        kind + " '" + e.getKey() + "' is not a tensor; only tensor models are served");
            }
            specs.put(e.getKey(), spec);
        }
        return specs;
    }

    /** A {@code model.json} that disagrees with the model is a mistake worth failing loudly on. */
    private static void checkDeclared(List<TensorSpec> declared, Map<String, TensorSpec> actual, String kind) {
        for (TensorSpec d : declared) {
            TensorSpec a = actual.get(d.name());
            if (a == null) {
                throw new IllegalArgumentException("model.json declares " + kind + " '" + d.name()
                        + "', which the model does not have; it has " + actual.keySet());
            }
            if (a.datatype() != d.datatype() || a.rank() != d.rank()) {
                throw new IllegalArgumentException("model.json declares " + kind + " '" + d.name() + "' as " + d
                        + ", the model has " + a);
            }
        }
    }
}
