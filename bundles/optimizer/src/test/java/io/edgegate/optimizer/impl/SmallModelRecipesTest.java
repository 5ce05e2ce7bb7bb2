package io.edgegate.optimizer.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;

/** The recipes' edge cases on small graphs, each variant run in real ONNX Runtime. */
class SmallModelRecipesTest {
    @TempDir
    Path dir;

    @Test
    void fp16HandlesConstantsCastsAndKeepsTheInterfaceFp32() throws Exception {
        Path fp32 = new Graphs(13)
                .input("x", Tensors.FLOAT, -1, 8).input("ids", Tensors.INT64, -1, 8)
                .output("probs", Tensors.FLOAT, -1, 8).output("act", Tensors.FLOAT, -1, 8)
                .randomInitializer("w", new Random(1), 8, 8)
                .node("Constant", List.of(), List.of("half"), Graphs.floats("value_float", 0.5f))
                .node("Mul", List.of("x", "half"), List.of("m"))
                .node("Cast", List.of("ids"), List.of("idsf"), Graphs.ints("to", Tensors.FLOAT))
                .node("Add", List.of("m", "idsf"), List.of("s"))
                .node("Shape", List.of("x"), List.of("shape"))
                .node("ConstantOfShape", List.of("shape"), List.of("zeros"))
                .node("Add", List.of("s", "zeros"), List.of("s2"))
                .node("MatMul", List.of("s2", "w"), List.of("mm"))
                .node("Softmax", List.of("mm"), List.of("probs"))
                .node("Relu", List.of("mm"), List.of("act"))
                .write(dir.resolve("small.onnx"));
        Path fp16 = dir.resolve("small-fp16.onnx");
        new Fp16Recipe().apply(fp32, fp16, Map.of(), Progress.NONE);

        GraphProto g = OnnxModels.read("test", fp16).getGraph();
        assertEquals(Tensors.FLOAT16, g.getInitializer(0).getDataType(), "w converted");
        for (ValueInfoProto v : List.of(g.getInput(0), g.getOutput(0), g.getOutput(1))) {
            assertEquals(Tensors.FLOAT, v.getType().getTensorType().getElemType(), v.getName() + " stays FP32");
        }
        float[][] x = new float[2][8];
        long[][] ids = new long[2][8];
        Random random = new Random(3);
        for (int i = 0; i < 16; i++) {
            x[i / 8][i % 8] = random.nextFloat() * 4 - 2;
            ids[i / 8][i % 8] = random.nextInt(3);
        }
        Map<String, float[]> expected = run(fp32, x, ids);
        Map<String, float[]> actual = run(fp16, x, ids);
        for (String out : List.of("probs", "act")) {
            double cos = OrtHarness.cosine(expected.get(out), 0, actual.get(out), 0, 16);
            assertTrue(cos > 0.999, out + " cosine " + cos);
        }
    }

    @Test
    void fp16ConvNetAgrees() throws Exception {
        Path fp32 = ConvNet.write(dir.resolve("convnet.onnx"), 5L);
        Path fp16 = dir.resolve("convnet-fp16.onnx");
        new Fp16Recipe().apply(fp32, fp16, Map.of("keepFp32", "GlobalAveragePool"), Progress.NONE);
        float[][][][] x = ConvNet.inputs(1, 11L)[0];
        try (OrtSession a = OrtHarness.session(fp32, 1); OrtSession b = OrtHarness.session(fp16, 1);
                OnnxTensor t = OnnxTensor.createTensor(OrtHarness.ENV, x);
                OrtSession.Result ra = a.run(Map.of(ConvNet.INPUT, t)); OrtSession.Result rb = b.run(Map.of(ConvNet.INPUT, t))) {
            float[] ya = ((float[][]) ra.get(0).getValue())[0];
            float[] yb = ((float[][]) rb.get(0).getValue())[0];
            assertTrue(OrtHarness.cosine(ya, 0, yb, 0, ConvNet.CLASSES) > 0.999);
        }
        assertTrue(Files.size(fp16) < Files.size(fp32) * 0.6);
    }

    @Test
    void int8DynamicRewritesGemmAndRaisesTheOpset() throws Exception {
        Random random = new Random(2);
        Path fp32 = new Graphs(9)
                .input("x", Tensors.FLOAT, -1, 64).output("y", Tensors.FLOAT, -1, 128)
                .randomInitializer("w", random, 128, 64).randomInitializer("c", random, 128)
                .node("Gemm", List.of("x", "w", "c"), List.of("y"), Graphs.ints("transB", 1),
                        Graphs.floats("alpha", 0.5f), Graphs.floats("beta", 2f))
                .write(dir.resolve("gemm.onnx"));
        Path int8 = dir.resolve("gemm-int8.onnx");
        new Int8DynamicRecipe().apply(fp32, int8, Map.of("minElements", "1024"), Progress.NONE);

        ModelProto model = OnnxModels.read("test", int8);
        assertEquals(11, OnnxModels.opset(model));
        Map<String, Long> ops = MiniLmRecipesTest.opCounts(int8);
        assertEquals(Map.of("Add", 1L, "Cast", 1L, "DynamicQuantizeLinear", 1L, "MatMulInteger", 1L, "Mul", 2L), ops);
        assertFalse(model.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("w")),
                "the FP32 weight is dropped once nothing reads it");
        float[][] x = new float[4][64];
        for (float[] row : x) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        float[] expected = runSingle(fp32, "x", x);
        float[] actual = runSingle(int8, "x", x);
        double cos = OrtHarness.cosine(expected, 0, actual, 0, expected.length);
        assertTrue(cos > 0.999, "cosine " + cos);
    }

    @Test
    void refusesWhatItCannotDoSafelyAndLeavesNoTarget() throws Exception {
        Random random = new Random(4);
        Path clip = new Graphs(9)
                .input("x", Tensors.FLOAT, -1, 256).output("y", Tensors.FLOAT, -1, 256)
                .randomInitializer("w", random, 256, 256)
                .node("MatMul", List.of("x", "w"), List.of("m"))
                .node("Clip", List.of("m"), List.of("y"), Graphs.floats("min", 0f), Graphs.floats("max", 6f))
                .write(dir.resolve("clip.onnx"));
        byte[] before = Files.readAllBytes(clip);
        Path target = dir.resolve("out.onnx");
        Recipe dynamic = new Int8DynamicRecipe();

        RecipeException bump = assertThrows(RecipeException.class,
                () -> dynamic.apply(clip, target, Map.of(), Progress.NONE));
        assertTrue(bump.getMessage().contains("[Clip]"), bump.getMessage());
        RecipeException tiny = assertThrows(RecipeException.class,
                () -> dynamic.apply(clip, target, Map.of("minElements", "100000"), Progress.NONE));
        assertTrue(tiny.getMessage().contains("nothing to quantize"), tiny.getMessage());
        RecipeException unknown = assertThrows(RecipeException.class,
                () -> dynamic.apply(clip, target, Map.of("perchannel", "false"), Progress.NONE));
        assertTrue(unknown.getMessage().contains("perchannel"), unknown.getMessage());
        RecipeException self = assertThrows(RecipeException.class,
                () -> new Fp16Recipe().apply(clip, clip, Map.of(), Progress.NONE));
        assertTrue(self.getMessage().contains("never modifies its source"), self.getMessage());
        RecipeException level = assertThrows(RecipeException.class,
                () -> new OrtGraphRecipe().apply(clip, target, Map.of("level", "max"), Progress.NONE));
        assertTrue(level.getMessage().contains("basic|extended|layout|all"), level.getMessage());

        assertFalse(Files.exists(target));
        assertArrayEquals(before, Files.readAllBytes(clip));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".part")), "no temporary files left");
        }
    }

    @Test
    void ortGraphAtEveryLevelLoads() throws Exception {
        Path fp32 = ConvNet.write(dir.resolve("convnet.onnx"), 6L);
        for (String level : List.of("basic", "extended", "layout", "all")) {
            Path variant = dir.resolve("convnet-" + level + ".onnx");
            new OrtGraphRecipe().apply(fp32, variant, Map.of("level", level), Progress.NONE);
            OrtHarness.session(variant, 1).close();
        }
    }

    private static Map<String, float[]> run(Path model, float[][] x, long[][] ids) throws Exception {
        Map<String, float[]> out = new HashMap<>();
        try (OrtSession s = OrtHarness.session(model, 1); OnnxTensor tx = OnnxTensor.createTensor(OrtHarness.ENV, x);
                OnnxTensor ti = OnnxTensor.createTensor(OrtHarness.ENV, ids);
                OrtSession.Result r = s.run(Map.of("x", tx, "ids", ti))) {
            for (String name : List.of("probs", "act")) {
                float[][] v = (float[][]) r.get(name).orElseThrow().getValue();
                float[] flat = new float[16];
                System.arraycopy(v[0], 0, flat, 0, 8);
                System.arraycopy(v[1], 0, flat, 8, 8);
                out.put(name, flat);
            }
        }
        return out;
    }

    private static float[] runSingle(Path model, String input, float[][] x) throws Exception {
        try (OrtSession s = OrtHarness.session(model, 1); OnnxTensor t = OnnxTensor.createTensor(OrtHarness.ENV, x);
                OrtSession.Result r = s.run(Map.of(input, t))) {
            float[][] y = (float[][]) r.get(0).getValue();
            float[] flat = new float[y.length * y[0].length];
            for (int i = 0; i < y.length; i++) {
                System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
            }
            return flat;
        }
    }
}
