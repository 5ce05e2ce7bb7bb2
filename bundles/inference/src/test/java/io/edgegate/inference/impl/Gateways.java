package io.edgegate.inference.impl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.edgegate.accelerator.cpu.impl.CpuAcceleratorProvider;
import io.edgegate.store.impl.FileSystemModelStore;
import io.edgegate.testkit.OnnxModelBuilder;
import io.edgegate.testkit.TestTrust;

/** Builds the real parts a test of the inference service needs: store, CPU provider, models on disk. */
final class Gateways {
    static final String MINILM = "all-minilm-l6-v2-q.onnx";

    private Gateways() {
    }

    static CpuAcceleratorProvider cpu() {
        return new CpuAcceleratorProvider(new CpuAcceleratorProvider.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return CpuAcceleratorProvider.Config.class;
            }

            @Override
            public int intraOpThreads() {
                return 1;
            }

            @Override
            public int interOpThreads() {
                return 1;
            }

            @Override
            public boolean arena() {
                return true;
            }

            @Override
            public String optimization() {
                return "all";
            }
        });
    }

    private static final Map<Path, TestTrust> TRUST = new ConcurrentHashMap<>();

    /** The trust root of the gateway home that holds {@code root} (a test's models folder). */
    static TestTrust trust(Path root) {
        return TRUST.computeIfAbsent(root.getParent(), TestTrust::create);
    }

    /**
     * A store over {@code root} (a {@code models} folder in a home of the test's own) after signing every model in
     * it, as an operator would; verified copies go to the home's {@code data/models}.
     */
    static FileSystemModelStore store(Path root) throws IOException {
        TestTrust trust = trust(root);
        trust.signAll(root);
        return new FileSystemModelStore(root, root.resolveSibling("data").resolve("models"), trust.verifier(), 0);
    }

    /** A service over the models under {@code root}, with the CPU provider, once every version has settled. */
    static OnnxInferenceService start(Path root) throws IOException {
        OnnxInferenceService service = new OnnxInferenceService(store(root));
        service.addProvider(cpu(), Map.of());
        awaitReady(service);
        return service;
    }

    static void awaitReady(OnnxInferenceService service) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!service.isReady()) {
            assertTrue(System.nanoTime() < deadline, "models did not settle in 30 s: " + service.models());
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static byte[] minilm() throws IOException {
        try (InputStream in = Gateways.class.getClassLoader().getResourceAsStream(MINILM)) {
            assertNotNull(in, MINILM + " must be on the test class path");
            return in.readAllBytes();
        }
    }

    /** Writes the model folder's own model.json with the version policy "all". */
    static void servesAllVersions(Path root, String name) throws IOException {
        Files.createDirectories(root.resolve(name));
        Files.writeString(root.resolve(name).resolve("model.json"), "{\"version_policy\": {\"all\": {}}}");
    }

    static Path version(Path root, String name, long version) throws IOException {
        return Files.createDirectories(root.resolve(name).resolve(Long.toString(version)));
    }

    /** {@code y = x + addend}, FP32 [N, 4], signed. */
    static Path add(Path root, String name, long version, float addend) throws IOException {
        Path file = new OnnxModelBuilder()
                .doc("version " + version)
                .input("x", OnnxModelBuilder.FLOAT, -1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4)
                .floatInitializer("c", new long[] {1}, addend)
                .node("Add", List.of("x", "c"), List.of("y"))
                .write(version(root, name, version).resolve("model.onnx"));
        trust(root).signModel(file, name, version);
        return file;
    }
}
