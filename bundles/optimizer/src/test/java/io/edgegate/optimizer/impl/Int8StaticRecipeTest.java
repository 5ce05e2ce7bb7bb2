package io.edgegate.optimizer.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;

/** {@code int8-static} on a small convolutional network, run in real ONNX Runtime against its FP32 original. */
class Int8StaticRecipeTest {
    private static final float[][][][][] INPUTS = ConvNet.inputs(20, 99L);

    @TempDir
    static Path dir;
    private static Path fp32;
    private static List<float[]> reference;

    @BeforeAll
    static void writeModel() throws Exception {
        fp32 = ConvNet.write(dir.resolve("convnet.onnx"), 42L);
        reference = run(fp32);
    }

    @Test
    void calibratedOnGeneratedInputsAgreesAndOrtFusesIntoQLinearConv() throws Exception {
        Path variant = dir.resolve("convnet-int8.onnx");
        long t0 = System.nanoTime();
        new Int8StaticRecipe().apply(fp32, variant, Map.of(), Progress.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cosine = meanCosine(run(variant));
        Path optimized = dir.resolve("convnet-int8-ort.onnx");
        OrtHarness.saveOptimized(variant, optimized);
        Map<String, Long> ops = MiniLmRecipesTest.opCounts(variant);
        Map<String, Long> fused = MiniLmRecipesTest.opCounts(optimized);
        System.out.printf("[int8-static] %.2f s, %d -> %d bytes, cosine mean %.5f%n", seconds, Files.size(fp32),
                Files.size(variant), cosine);
        System.out.printf("[int8-static] emitted %s; after ORT optimization %s%n", ops, fused);

        assertTrue(cosine >= 0.99, "mean cosine " + cosine);
        assertEquals(3L, fused.getOrDefault("QLinearConv", 0L), "every Conv fused: " + fused);
        assertEquals(0L, ops.getOrDefault("Relu", 0L), "Relus folded into the quantization: " + ops);
    }

    @Test
    void calibratedOnGivenSamplesWithMinMax() throws Exception {
        List<Map<String, Object>> samples = new ArrayList<>();
        for (float[][][][] x : ConvNet.inputs(8, 7L)) {
            samples.add(Map.of(ConvNet.INPUT, x));
        }
        Path variant = dir.resolve("convnet-int8-minmax.onnx");
        new Int8StaticRecipe(samples).apply(fp32, variant, Map.of("calibration", "minmax"), Progress.NONE);
        double cosine = meanCosine(run(variant));
        System.out.printf("[int8-static minmax, 8 given samples] cosine mean %.5f%n", cosine);
        assertTrue(cosine >= 0.99, "mean cosine " + cosine);
    }

    private static double meanCosine(List<float[]> variant) {
        double sum = 0;
        for (int i = 0; i < reference.size(); i++) {
            sum += OrtHarness.cosine(reference.get(i), 0, variant.get(i), 0, ConvNet.CLASSES);
        }
        return sum / reference.size();
    }

    private static List<float[]> run(Path model) throws Exception {
        List<float[]> out = new ArrayList<>();
        try (OrtSession s = OrtHarness.session(model, 2)) {
            for (float[][][][] x : INPUTS) {
                try (OnnxTensor t = OnnxTensor.createTensor(OrtHarness.ENV, x);
                        OrtSession.Result r = s.run(Map.of(ConvNet.INPUT, t))) {
                    out.add(((float[][]) r.get(0).getValue())[0]);
                }
            }
        }
        return out;
    }
}
