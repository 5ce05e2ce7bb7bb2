package io.edgegate.optimizer.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.optimizer.Variant;

/** The guard's measurements and verdicts on hand-made outputs. */
class ComparisonTest {
    @TempDir
    Path dir;

    private static final Variant.Thresholds DEFAULT = new Variant.Thresholds(0.99, null, 0.99);

    @Test
    void rowsAreTheLastDimensionAndTheVerdictNamesTheMetric() {
        Comparison c = new Comparison(false);
        // two tokens of 3 values: the first identical, the second orthogonal
        c.add(new double[] {1, 0, 0, 0, 1, 0}, new double[] {1, 0, 0, 1, 0, 0}, new long[] {1, 2, 3});
        assertEquals(2, c.rows());
        assertEquals(0.5, c.cosineMean(), 1e-12);
        assertEquals(0.0, c.cosineMin(), 1e-12);
        assertEquals(1.0, c.maxAbsDiff(), 1e-12);
        assertNull(c.top1Agreement(), "not class scores");
        String why = AccuracyGuard.rejection(c, DEFAULT);
        assertTrue(why.startsWith("cosine similarity 0.50000 (mean over 2 rows, lowest 0.00000) is below minCosine "
                + "0.99"), why);
        assertTrue(AccuracyGuard.rejection(c, new Variant.Thresholds(0.4, 0.5, 0.99)).startsWith("max abs difference"));
        assertNull(AccuracyGuard.rejection(c, new Variant.Thresholds(0.4, 1.0, 0.99)));
    }

    @Test
    void topOneCountsForClassScoresAndForgivesTies() {
        Comparison c = new Comparison(true);
        long[] shape = {4, 3};
        double[] original = {0.1, 0.9, 0.0, /* */ 0.5, 0.5, 0.0, /* */ 0.2, 0.3, 0.1, /* */ 0.7, 0.1, 0.2};
        double[] variant = {0.1, 0.8, 0.0, /* tie: either wins */ 0.5, 0.49, 0.0, /* flipped */ 0.35, 0.3, 0.1,
            0.7, 0.1, 0.2};
        c.add(original, variant, shape);
        assertEquals(0.75, c.top1Agreement(), 1e-12);
        assertTrue(AccuracyGuard.rejection(c, new Variant.Thresholds(0, null, 0.99)).startsWith("top-1 agreement "
                + "0.7500 is below minTop1 0.99"));
    }

    @Test
    void nanIsAlwaysRejected() {
        Comparison c = new Comparison(false);
        c.add(new double[] {1, 2}, new double[] {1, Double.NaN}, new long[] {2});
        assertTrue(AccuracyGuard.rejection(c, new Variant.Thresholds(-1, null, 0)).contains("NaN"));
    }

    @Test
    void classScoresAreWhatClassifierHeadsMakeNotEmbeddings() throws Exception {
        Random random = new Random(1);
        var graph = new Graphs(13).input("x", Tensors.FLOAT, -1, 8).output("logits", Tensors.FLOAT, -1, 4)
                .output("pooled", Tensors.FLOAT, -1, 8).randomInitializer("w", random, 8, 4)
                .node("MatMul", List.of("x", "w"), List.of("logits")).node("Tanh", List.of("x"), List.of("pooled"));
        Path model = graph.write(dir.resolve("heads.onnx"));
        assertEquals(Set.of("logits"), AccuracyGuard.classScores(OnnxModels.read("test", model).getGraph()));
    }
}
