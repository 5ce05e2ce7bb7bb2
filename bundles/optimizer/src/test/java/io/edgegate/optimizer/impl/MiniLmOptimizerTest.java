package io.edgegate.optimizer.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.ProgressEvent;
import io.edgegate.optimizer.Variant;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.impl.FileSystemModelStore;
import io.edgegate.testkit.TestTrust;

/**
 * The optimizer service on the real all-MiniLM-L6-v2 FP32 export, installed as a signed version in a real store: the
 * accuracy guard accepts the good INT8 and FP16 variants, rejects a deliberately broken one with the metric in its
 * reason, and a variant asked for again is reused from its report.
 */
class MiniLmOptimizerTest {
    @TempDir
    static Path home;
    static FileSystemModelStore store;
    static OnnxModelOptimizer optimizer;
    static ModelVersion version;

    @BeforeAll
    static void install() throws Exception {
        Path dir = Files.createDirectories(home.resolve("models/minilm/1"));
        Files.move(OrtHarness.extract(MiniLm.FP32, dir), dir.resolve(ModelStore.MODEL_FILE));
        store = TestGateways.store(home, TestTrust.create(home));
        optimizer = new OnnxModelOptimizer(store, TestGateways.config(Map.of("threads", 2)));
        version = store.version("minilm", 1).orElseThrow();
    }

    @AfterAll
    static void stop() {
        optimizer.close();
        store.close();
    }

    @Test
    void int8DynamicIsAcceptedSmallAndReusedWhenAskedAgain() throws Exception {
        List<ProgressEvent> events = new ArrayList<>();
        long t0 = System.nanoTime();
        Variant v = optimizer.optimize("minilm", 1, "int8-dynamic", Map.of(), events::add);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[optimizer int8-dynamic] %.1f s (recipe %d ms, guard %d ms), %d -> %d bytes (%.3f x), "
                + "cosine mean %.5f min %.5f, max abs diff %.4f, top-1 %s%n", seconds, v.recipeMillis(),
                v.guardMillis(), v.sourceBytes(), v.variantBytes(), (double) v.variantBytes() / v.sourceBytes(),
                v.metrics().cosineMean(), v.metrics().cosineMin(), v.metrics().maxAbsDiff(),
                v.metrics().top1Agreement());

        assertTrue(v.accepted());
        assertNull(v.reason());
        assertTrue(v.metrics().cosineMean() >= 0.99, "cosine " + v.metrics().cosineMean());
        assertTrue(v.variantBytes() <= 0.30 * v.sourceBytes(), v.variantBytes() + " of " + v.sourceBytes());
        // lineage
        assertEquals(version.sha256(), v.sourceSha256());
        assertEquals(Files.size(version.sourceFile()), v.sourceBytes());
        assertEquals(VariantMaker.sha256(v.modelFile().orElseThrow()), v.variantSha256());
        assertEquals(ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(), v.onnxRuntime());
        assertEquals(20, v.metrics().samples());
        assertEquals("generated", v.metrics().inputs());
        assertEquals(0.99, v.thresholds().minCosine());
        assertTrue(v.recipeMillis() > 0 && v.guardMillis() > 0);
        Path dir = version.sourceFile().resolveSibling(ModelStore.VARIANTS_FOLDER).resolve(v.key());
        assertEquals(dir.resolve(ModelStore.MODEL_FILE), v.modelFile().orElseThrow());
        assertTrue(Files.isRegularFile(dir.resolve(ModelStore.VARIANT_REPORT)));
        assertFalse(Files.exists(dir.resolve("candidate.onnx")));
        // progress: from the recipe's first step to the guard's last, never backwards
        assertTrue(events.size() > 10, events.toString());
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).fraction() >= events.get(i - 1).fraction(), events.toString());
        }
        assertEquals(1.0, events.get(events.size() - 1).fraction());
        assertTrue(events.stream().anyMatch(e -> e.message().startsWith("comparing outputs")), events.toString());

        // the same recipe again: the report and the file are reused, nothing is made
        List<ProgressEvent> again = new ArrayList<>();
        long mtime = Files.getLastModifiedTime(dir.resolve(ModelStore.MODEL_FILE)).toMillis();
        Variant reused = optimizer.optimize("minilm", 1, "int8-dynamic", Map.of(), again::add);
        assertEquals(v.created(), reused.created());
        assertEquals(v.variantSha256(), reused.variantSha256());
        assertEquals(mtime, Files.getLastModifiedTime(dir.resolve(ModelStore.MODEL_FILE)).toMillis());
        assertEquals(1, again.size(), again.toString());
        assertTrue(again.get(0).message().startsWith("reused"), again.toString());
        // stricter thresholds than it met: judged again rather than reused
        OptimizerException stricter = assertThrows(OptimizerException.class, () -> optimizer.optimize("minilm", 1,
                "int8-dynamic", Map.of("minCosine", "0.99999"), null));
        assertEquals(OptimizerException.Reason.REJECTED, stricter.reason());
        assertTrue(stricter.getMessage().contains("below minCosine 0.99999"), stricter.getMessage());
        assertFalse(Files.exists(dir.resolve(ModelStore.MODEL_FILE)), "a rejected variant's file is deleted");
    }

    @Test
    void fp16IsAcceptedAgainstItsStricterThreshold() throws Exception {
        Variant v = optimizer.optimize("minilm", 1, "fp16", Map.of(), null);
        System.out.printf("[optimizer fp16] recipe %d ms, guard %d ms, %d -> %d bytes, cosine mean %.6f min %.6f%n",
                v.recipeMillis(), v.guardMillis(), v.sourceBytes(), v.variantBytes(), v.metrics().cosineMean(),
                v.metrics().cosineMin());
        assertTrue(v.accepted());
        assertEquals(0.999, v.thresholds().minCosine(), "fp16's own default");
        assertTrue(v.metrics().cosineMean() >= 0.999, "cosine " + v.metrics().cosineMean());
        assertTrue(optimizer.variants("minilm", 1).stream().anyMatch(r -> r.key().equals(v.key()) && r.accepted()));
    }

    @Test
    void aBrokenScaleIsRejectedWithTheMetricInTheReasonAndKeepsOnlyItsReport() throws Exception {
        OptimizerException e = assertThrows(OptimizerException.class, () -> optimizer.optimize("minilm", 1,
                "int8-dynamic", Map.of("debugScaleFactor", "0.05"), null));
        System.out.println("[optimizer harmful] " + e.getMessage());
        assertEquals(OptimizerException.Reason.REJECTED, e.reason());
        Variant report = e.variant().orElseThrow();
        assertEquals(Variant.Outcome.REJECTED, report.outcome());
        assertTrue(report.reason().startsWith("cosine similarity") && report.reason().contains("minCosine 0.99"),
                report.reason());
        assertTrue(report.metrics().cosineMean() < 0.9, "mean cosine " + report.metrics().cosineMean());
        assertEquals(Map.of("debugScaleFactor", "0.05"), report.options());
        assertTrue(report.modelFile().isEmpty());
        Path dir = version.sourceFile().resolveSibling(ModelStore.VARIANTS_FOLDER).resolve(report.key());
        assertFalse(Files.exists(dir.resolve(ModelStore.MODEL_FILE)), "the rejected file is gone");
        Variant listed = optimizer.variants("minilm", 1).stream().filter(r -> r.key().equals(report.key()))
                .findFirst().orElseThrow();
        assertEquals(report.reason(), listed.reason());
        assertFalse(listed.served());
        assertEquals(version.sourceFile(), store.version("minilm", 1).orElseThrow().modelFile(), "never serves");
    }
}
