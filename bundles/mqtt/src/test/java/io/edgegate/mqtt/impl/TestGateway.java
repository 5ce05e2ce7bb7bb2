package io.edgegate.mqtt.impl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

import io.edgegate.accelerator.cpu.impl.CpuAcceleratorProvider;
import io.edgegate.inference.impl.OnnxInferenceService;
import io.edgegate.optimizer.impl.OnnxModelOptimizer;
import io.edgegate.store.impl.FileSystemModelStore;
import io.edgegate.testkit.OnnxModelBuilder;
import io.edgegate.testkit.TestTrust;
import io.edgegate.trust.impl.BouncyCastleArtifactVerifier;

/**
 * A gateway as in the framework, assembled by hand from the real parts: a signed-model store and an enforcing
 * verifier over a throwaway trust root, the ONNX Runtime inference service on the CPU provider, the optimizer, and
 * the MQTT component on a real broker.
 */
final class TestGateway implements AutoCloseable {
    final Path home;
    final TestTrust trust;
    final BouncyCastleArtifactVerifier verifier;
    final FileSystemModelStore store;
    final OnnxInferenceService inference;
    final OnnxModelOptimizer optimizer;
    private final Map<String, Object> config;
    private final BundleContext context;
    private final ConfigurationAdmin configAdmin;
    MqttGateway mqtt;

    /** A gateway in {@code home} with model {@code add} version 1 (y = x + 1, FP32 [N, 4]), signed. */
    TestGateway(Path home, Map<String, Object> config, BundleContext context, ConfigurationAdmin configAdmin)
            throws IOException {
        this.home = home;
        this.config = new HashMap<>(config);
        this.context = context;
        this.configAdmin = configAdmin;
        this.trust = TestTrust.create(home);
        Path models = home.resolve("models");
        addModel(models.resolve("add").resolve("1").resolve("model.onnx"), 1f);
        trust.signAll(models);
        this.verifier = trust.verifier();
        this.store = new FileSystemModelStore(models, home.resolve("data").resolve("models"), verifier, 0);
        this.inference = new OnnxInferenceService(store);
        store.addListener(inference);
        inference.addProvider(cpu(), Map.of());
        this.optimizer = new OnnxModelOptimizer(store, annotation(OnnxModelOptimizer.Config.class,
                Map.of("samples", 4)));
        store.addListener(optimizer);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!inference.isReady()) {
            assertTrue(System.nanoTime() < deadline, "models did not load: " + inference.models());
            sleep(10);
        }
        start();
    }

    /** Starts (again) the MQTT component over the same home: what a gateway restart does to it. */
    void start() throws IOException {
        mqtt = new MqttGateway(Settings.of(config(config), home.toString(), null, null, "0.1.0-test"), context,
                configAdmin);
        mqtt.bindInference(inference);
        mqtt.bindStore(store);
        mqtt.bindVerifier(verifier);
        mqtt.bindOptimizer(optimizer);
    }

    /** Restarts the MQTT component with some settings changed. */
    void restart(Map<String, Object> changes) throws IOException {
        mqtt.close();
        config.putAll(changes);
        start();
    }

    String id() {
        return mqtt.settings().gatewayId();
    }

    String topic(String operation) {
        return "edgegate/" + id() + "/req/" + operation;
    }

    /** Waits until the component is connected and subscribed (its retained status is out). */
    void awaitConnected(long seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!mqtt.isConnected()) {
            assertTrue(System.nanoTime() < deadline, "not connected in " + seconds + " s");
            sleep(20);
        }
        sleep(300); // subscribing follows the connect
    }

    /** {@code y = x + addend}, FP32 [N, 4]. */
    static byte[] addModel(float addend) {
        return new OnnxModelBuilder().doc("add " + addend).input("x", OnnxModelBuilder.FLOAT, -1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4).floatInitializer("c", new long[] {1}, addend)
                .node("Add", List.of("x", "c"), List.of("y")).build();
    }

    static void addModel(Path file, float addend) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, addModel(addend));
    }

    static CpuAcceleratorProvider cpu() {
        return new CpuAcceleratorProvider(annotation(CpuAcceleratorProvider.Config.class,
                Map.of("intraOpThreads", 1, "interOpThreads", 1)));
    }

    static MqttGateway.Config config(Map<String, Object> values) {
        return annotation(MqttGateway.Config.class, values);
    }

    /** An instance of a configuration annotation: the given values, else the declared defaults. */
    @SuppressWarnings("unchecked")
    static <A extends Annotation> A annotation(Class<A> type, Map<String, Object> values) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "annotationType":
                    return type;
                case "toString":
                    return type.getSimpleName() + values;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    break;
            }
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            if (method.getDefaultValue() != null) {
                return method.getDefaultValue();
            }
            throw new UnsupportedOperationException(method.getName());
        });
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        if (mqtt != null) {
            mqtt.close();
        }
        optimizer.close();
        inference.deactivate();
        store.close();
    }
}
