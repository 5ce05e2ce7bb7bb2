package io.edgegate.optimizer.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.OptimizerException.Reason;
import io.edgegate.optimizer.Variant;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.impl.FileSystemModelStore;
import io.edgegate.testkit.TestTrust;

/**
 * The optimizer service on small models in a real signed-model store: the static QDQ variant of a conv net agrees
 * (top-1 included), the {@code optimize} section of model.json is applied in the background and the version then
 * serves its variant, a harmful one asked for there never serves, shipped samples replace generated ones, and every
 * refusal has its reason.
 */
class SmallModelOptimizerTest {
    @TempDir
    Path home;
    TestTrust trust;
    FileSystemModelStore store;
    OnnxModelOptimizer optimizer;

    @BeforeEach
    void trustRoot() {
        trust = TestTrust.create(home);
    }

    @AfterEach
    void stop() {
        if (optimizer != null) {
            optimizer.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private Path versionDir(String model, long version) throws Exception {
        return Files.createDirectories(home.resolve("models").resolve(model).resolve(Long.toString(version)));
    }

    /** x [N, 256] -> MatMul 256x256 -> Relu -> MatMul 256x256 -> y: weights big enough for int8-dynamic. */
    private Path matmuls(String model, long version) throws Exception {
        Random random = new Random(version);
        return new Graphs(13).input("x", Tensors.FLOAT, -1, 256).output("y", Tensors.FLOAT, -1, 256)
                .randomInitializer("w1", random, 256, 256).randomInitializer("w2", random, 256, 256)
                .node("MatMul", List.of("x", "w1"), List.of("h")).node("Relu", List.of("h"), List.of("r"))
                .node("MatMul", List.of("r", "w2"), List.of("y"))
                .write(versionDir(model, version).resolve(ModelStore.MODEL_FILE));
    }

    private void start(Map<String, Object> config) throws Exception {
        store = TestGateways.store(home, trust);
        optimizer = new OnnxModelOptimizer(store, TestGateways.config(config));
        store.addListener(optimizer);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "not in 60 s: " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void theStaticQdqVariantOfAConvNetAgreesIncludingTopOne() throws Exception {
        ConvNet.write(versionDir("conv", 1).resolve(ModelStore.MODEL_FILE), 42L);
        start(Map.of("applyModelJson", false));
        Variant v = optimizer.optimize("conv", 1, "int8-static", Map.of(), null);
        System.out.printf("[optimizer int8-static] cosine mean %.5f min %.5f, top-1 %s, %d -> %d bytes%n",
                v.metrics().cosineMean(), v.metrics().cosineMin(), v.metrics().top1Agreement(), v.sourceBytes(),
                v.variantBytes());
        assertTrue(v.accepted());
        assertNotNull(v.metrics().top1Agreement(), "the Gemm's [N, 10] output holds class scores");
        assertTrue(v.metrics().top1Agreement() >= 0.99, "top-1 " + v.metrics().top1Agreement());
        assertTrue(v.metrics().cosineMean() >= 0.99, "cosine " + v.metrics().cosineMean());
        // a bound on the largest difference that no INT8 variant meets: judged again (not reused), and rejected
        OptimizerException e = assertThrows(OptimizerException.class, () -> optimizer.optimize("conv", 1,
                "int8-static", Map.of("maxAbsDiff", "1e-9", "samples", "3"), null));
        assertEquals(Reason.REJECTED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("max abs difference") && e.getMessage().contains("above maxAbsDiff 1.0E-9"),
                e.getMessage());
        assertEquals(3, e.variant().orElseThrow().metrics().samples());
    }

    @Test
    void theOptimizeSectionOfModelJsonIsAppliedAndTheVersionServesItsVariant() throws Exception {
        matmuls("mm", 1);
        Files.writeString(versionDir("mm", 1).resolve(ModelStore.CONFIG_FILE),
                "{\"optimize\": {\"recipe\": \"int8-dynamic\", \"serve\": true}}");
        matmuls("harm", 1);
        Files.writeString(versionDir("harm", 1).resolve(ModelStore.CONFIG_FILE), "{\"optimize\": {\"recipe\": "
                + "\"int8-dynamic\", \"options\": {\"debugScaleFactor\": 0.05}}}");
        start(Map.of());
        ModelVersion source = store.version("mm", 1).orElseThrow();

        await("mm serves its variant", () -> store.version("mm", 1).orElseThrow().variant().isPresent());
        ModelVersion served = store.version("mm", 1).orElseThrow();
        Variant report = optimizer.variants("mm", 1).get(0);
        assertTrue(report.accepted() && report.served(), report.toString());
        assertEquals(report.modelFile().orElseThrow(), served.modelFile());
        assertEquals(source.sourceFile(), served.sourceFile());
        assertEquals("int8-dynamic", served.variant().orElseThrow().recipe());

        await("harm judged", () -> !optimizer.variants("harm", 1).isEmpty());
        Variant rejected = optimizer.variants("harm", 1).get(0);
        assertEquals(Variant.Outcome.REJECTED, rejected.outcome());
        assertTrue(rejected.reason().contains("cosine"), rejected.reason());
        assertFalse(rejected.served());
        ModelVersion harm = store.version("harm", 1).orElseThrow();
        assertTrue(harm.variant().isEmpty(), "a rejected variant never serves");
        assertEquals(harm.sourceFile(), harm.modelFile());

        // a store change does not make it again: the verdict stands for these settings
        store.refresh("harm");
        store.refresh("mm");
        Thread.sleep(300);
        assertEquals(1, optimizer.variants("harm", 1).size());
        assertEquals(report.created(), optimizer.variants("mm", 1).get(0).created());
    }

    @Test
    void samplesShippedBesideTheModelReplaceGeneratedOnes() throws Exception {
        matmuls("mm", 1);
        Path samples = Files.createDirectories(versionDir("mm", 1).resolve("samples"));
        Random random = new Random(5);
        for (int i = 0; i < 3; i++) {
            StringBuilder data = new StringBuilder();
            for (int j = 0; j < 2 * 256; j++) {
                data.append(j == 0 ? "" : ",").append(random.nextGaussian());
            }
            Files.writeString(samples.resolve("s" + i + ".json"), "{\"inputs\": [{\"name\": \"x\", \"datatype\": "
                    + "\"FP32\", \"shape\": [2, 256], \"data\": [" + data + "]}]}");
        }
        start(Map.of("applyModelJson", false));
        Variant v = optimizer.optimize("mm", 1, "fp16", Map.of(), null);
        assertEquals("samples/", v.metrics().inputs());
        assertEquals(3, v.metrics().samples());

        Files.writeString(samples.resolve("s3.json"), "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", "
                + "\"shape\": [1, 256], \"data\": [1, 2]}]}");
        OptimizerException bad = assertThrows(OptimizerException.class, () -> optimizer.optimize("mm", 1,
                "int8-dynamic", Map.of(), null));
        assertEquals(Reason.BAD_OPTIONS, bad.reason());
        assertTrue(bad.getMessage().contains("samples/s3.json input 'x' has 2 values for shape [1,256]"), bad.getMessage());
    }

    @Test
    void everyRefusalNamesItsReason() throws Exception {
        matmuls("mm", 1);
        ConvNet.write(versionDir("conv", 1).resolve(ModelStore.MODEL_FILE), 1L);
        trust.signAll(home.resolve("models"));
        matmuls("unsigned", 1); // written after signing: no manifest
        store = new FileSystemModelStore(home.resolve("models"), home.resolve("data/models"), trust.verifier(), 0);
        optimizer = new OnnxModelOptimizer(store, TestGateways.config(Map.of("applyModelJson", false)));

        assertEquals(Reason.UNKNOWN_MODEL, refusal("nope", 1, "fp16", Map.of()).reason());
        assertEquals(Reason.UNKNOWN_MODEL, refusal("mm", 2, "fp16", Map.of()).reason());
        OptimizerException unsigned = refusal("unsigned", 1, "fp16", Map.of());
        assertEquals(Reason.NOT_INSTALLED, unsigned.reason());
        assertTrue(unsigned.getMessage().contains("UNSIGNED"), unsigned.getMessage());
        OptimizerException recipe = refusal("mm", 1, "int4", Map.of());
        assertEquals(Reason.UNKNOWN_RECIPE, recipe.reason());
        assertTrue(recipe.getMessage().contains("int8-dynamic"), recipe.getMessage());
        OptimizerException typo = refusal("mm", 1, "int8-dynamic", Map.of("perchannel", "false"));
        assertEquals(Reason.BAD_OPTIONS, typo.reason());
        assertEquals(Variant.Outcome.FAILED, typo.variant().orElseThrow().outcome(), "its report says why");
        assertEquals(Reason.BAD_OPTIONS, refusal("mm", 1, "fp16", Map.of("minCosine", "high")).reason());
        OptimizerException nothing = refusal("conv", 1, "int8-dynamic", Map.of());
        assertEquals(Reason.RECIPE_FAILED, nothing.reason());
        assertTrue(nothing.getMessage().contains("nothing to quantize"), nothing.getMessage());
        assertTrue(optimizer.variants("conv", 1).stream().anyMatch(v -> v.outcome() == Variant.Outcome.FAILED
                && v.reason().contains("nothing to quantize")), "the FAILED report is listed");
        assertEquals(List.of(), optimizer.variants("nope", 1));
    }

    @Test
    void oneOptimizationAtATime() throws Exception {
        matmuls("mm", 1);
        start(Map.of("applyModelJson", false));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Variant> first = CompletableFuture.supplyAsync(() -> {
            try {
                return optimizer.optimize("mm", 1, "fp16", Map.of(), p -> {
                    started.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (OptimizerException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(started.await(30, TimeUnit.SECONDS));
        assertEquals(Reason.BUSY, refusal("mm", 1, "int8-dynamic", Map.of()).reason());
        release.countDown();
        assertTrue(first.get(60, TimeUnit.SECONDS).accepted());
        assertTrue(optimizer.optimize("mm", 1, "int8-dynamic", Map.of(), null).accepted(), "free again");
    }

    private OptimizerException refusal(String model, long version, String recipe, Map<String, String> options) {
        return assertThrows(OptimizerException.class, () -> optimizer.optimize(model, version, recipe, options, null));
    }
}
