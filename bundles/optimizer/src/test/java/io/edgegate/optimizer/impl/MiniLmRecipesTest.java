package io.edgegate.optimizer.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtSession;

/**
 * The recipes on the real all-MiniLM-L6-v2 FP32 export (90 MB), each variant run in real ONNX Runtime and compared
 * with the FP32 model's token embeddings over 20 seeded inputs. The FP32 model is read and run once for the class.
 */
class MiniLmRecipesTest {
    private static final String OUTPUT = "output_0";
    private static final List<MiniLm.Input> INPUTS = MiniLm.inputs(20, 20261122L);

    @TempDir
    static Path dir;
    private static Path fp32;
    private static byte[] fp32Digest;
    private static final List<float[]> REFERENCE = new ArrayList<>();

    @BeforeAll
    static void runFp32() throws Exception {
        fp32 = OrtHarness.extract(MiniLm.FP32, dir);
        fp32Digest = digest(fp32);
        try (OrtSession s = OrtHarness.session(fp32, 2)) {
            for (MiniLm.Input in : INPUTS) {
                REFERENCE.add(MiniLm.embed(s, in, OUTPUT));
            }
        }
    }

    @AfterAll
    static void sourceNeverModified() throws Exception {
        assertArrayEquals(fp32Digest, digest(fp32), "a recipe modified its source model");
    }

    @Test
    void int8DynamicIsAccurateSmallAndFusedByOrt() throws Exception {
        Path variant = dir.resolve("int8.onnx");
        long t0 = System.nanoTime();
        List<String> steps = new ArrayList<>();
        new Int8DynamicRecipe().apply(fp32, variant, Map.of(), (f, m) -> steps.add(m));
        double seconds = (System.nanoTime() - t0) / 1e9;

        double[] cos = cosine(variant);
        double ratio = (double) Files.size(variant) / Files.size(fp32);
        Map<String, Long> ops = opCounts(variant);
        Path optimized = dir.resolve("int8-ort.onnx");
        OrtHarness.saveOptimized(variant, optimized);
        Map<String, Long> fused = opCounts(optimized);
        System.out.printf("[int8-dynamic] %.2f s, %s -> %s (%.3f x), cosine mean %.5f min %.5f%n", seconds,
                OrtHarness.mb(fp32), OrtHarness.mb(variant), ratio, cos[0], cos[1]);
        System.out.printf("[int8-dynamic] emitted %s; after ORT optimization %s%n", ops, fused);
        printP50(variant);

        assertTrue(cos[0] >= 0.99, "mean cosine " + cos[0]);
        assertTrue(ratio <= 0.30, "size ratio " + ratio);
        assertEquals(37L, ops.get("MatMulInteger"), "36 encoder MatMuls and the pooler's Gemm");
        assertEquals(0L, fused.getOrDefault("MatMulInteger", 0L), "ORT left MatMulInteger unfused: " + fused);
        assertTrue(steps.size() >= 3 && steps.get(steps.size() - 1).equals("done"), steps.toString());
    }

    @Test
    void harmfulScaleLoadsButDisagrees() throws Exception {
        Path variant = dir.resolve("int8-broken.onnx");
        new Int8DynamicRecipe().apply(fp32, variant, Map.of("debugScaleFactor", "0.05"), Progress.NONE);
        double[] cos = cosine(variant);
        System.out.printf("[int8-dynamic debugScaleFactor=0.05] cosine mean %.5f min %.5f%n", cos[0], cos[1]);
        assertTrue(cos[0] < 0.8, "the broken scale should hurt badly, mean cosine " + cos[0]);
    }

    @Test
    void fp16IsAccurateAndHalfTheSize() throws Exception {
        Path variant = dir.resolve("fp16.onnx");
        long t0 = System.nanoTime();
        new Fp16Recipe().apply(fp32, variant, Map.of(), Progress.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] cos = cosine(variant);
        double ratio = (double) Files.size(variant) / Files.size(fp32);
        System.out.printf("[fp16] %.2f s, %s -> %s (%.3f x), cosine mean %.6f min %.6f%n", seconds,
                OrtHarness.mb(fp32), OrtHarness.mb(variant), ratio, cos[0], cos[1]);
        assertTrue(cos[0] >= 0.999, "mean cosine " + cos[0]);
        assertTrue(ratio <= 0.55, "size ratio " + ratio);
    }

    @Test
    void ortGraphAgrees() throws Exception {
        Path variant = dir.resolve("ort-graph.onnx");
        long t0 = System.nanoTime();
        new OrtGraphRecipe().apply(fp32, variant, Map.of(), Progress.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] cos = cosine(variant);
        System.out.printf("[ort-graph] %.2f s, %s -> %s, ops %s, cosine mean %.7f min %.7f%n", seconds,
                OrtHarness.mb(fp32), OrtHarness.mb(variant), opCounts(variant), cos[0], cos[1]);
        assertTrue(cos[0] >= 0.9999, "mean cosine " + cos[0]);
    }

    private static double[] cosine(Path variant) throws Exception {
        List<float[]> out = new ArrayList<>();
        try (OrtSession s = OrtHarness.session(variant, 2)) {
            for (MiniLm.Input in : INPUTS) {
                out.add(MiniLm.embed(s, in, OUTPUT));
            }
        }
        return MiniLm.meanAndMinCosine(REFERENCE, out);
    }

    /** Informational only: batch 1 x 128 tokens, 2 intra-op threads, 50 runs. */
    private static void printP50(Path variant) throws Exception {
        Path reference = Files.exists(dir.resolve(MiniLm.INT8_REFERENCE)) ? dir.resolve(MiniLm.INT8_REFERENCE)
                : OrtHarness.extract(MiniLm.INT8_REFERENCE, dir);
        MiniLm.Input in = MiniLm.sequence(128, 128, new Random(7));
        StringBuilder line = new StringBuilder("[int8-dynamic] p50 1x128, 2 threads, 50 runs:");
        for (Path model : List.of(fp32, reference, variant, reference, variant)) {
            try (OrtSession s = OrtHarness.session(model, 2); MiniLm.Tensors3 t = new MiniLm.Tensors3(in)) {
                line.append(String.format(" %s %.2f ms;", model.getFileName(), OrtHarness.p50Millis(s, t.map(), 5, 50)));
            }
        }
        System.out.println(line);
    }

    static Map<String, Long> opCounts(Path model) throws Exception {
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (NodeProto n : OnnxModels.read("test", model).getGraph().getNodeList()) {
            counts.merge(n.getOpType(), 1L, Long::sum);
        }
        return counts;
    }

    private static byte[] digest(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }
}
