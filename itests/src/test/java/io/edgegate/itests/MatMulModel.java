package io.edgegate.itests;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import io.edgegate.testkit.OnnxModelBuilder;

/**
 * {@code y = MatMul(Relu(MatMul(x, w1)), w2)} on FP32 [N, 256] with seeded random 256 x 256 weights: big enough for the
 * int8-dynamic recipe, small enough to optimize in a moment.
 */
final class MatMulModel {
    static final int WIDTH = 256;

    private MatMulModel() {
    }

    /** Writes {@code <models>/<name>/<version>/model.onnx}. Runs outside the framework only. */
    static void write(Path models, String name, long version) {
        Random random = new Random(version * 31 + name.hashCode());
        new OnnxModelBuilder()
                .doc("matmul " + name + " " + version)
                .input("x", OnnxModelBuilder.FLOAT, -1, WIDTH)
                .output("y", OnnxModelBuilder.FLOAT, -1, WIDTH)
                .floatInitializer("w1", new long[] {WIDTH, WIDTH}, weights(random))
                .floatInitializer("w2", new long[] {WIDTH, WIDTH}, weights(random))
                .node("MatMul", List.of("x", "w1"), List.of("h"))
                .node("Relu", List.of("h"), List.of("r"))
                .node("MatMul", List.of("r", "w2"), List.of("y"))
                .write(models.resolve(name).resolve(Long.toString(version)).resolve("model.onnx"));
    }

    private static float[] weights(Random random) {
        float[] w = new float[WIDTH * WIDTH];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.1);
        }
        return w;
    }
}
