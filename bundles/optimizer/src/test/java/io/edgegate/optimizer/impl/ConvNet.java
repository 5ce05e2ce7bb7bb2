package io.edgegate.optimizer.impl;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import io.edgegate.testkit.OnnxModelBuilder;

/**
 * A small convolutional classifier with seeded random (He-initialised) weights, written with the testkit's
 * {@link OnnxModelBuilder} (only attribute-free operators: Conv's kernel shape comes from its weight):
 * x [N,3,32,32] -&gt; Conv 3x3 (16) -&gt; Relu -&gt; Conv 3x3 (32) -&gt; Relu -&gt; Conv 1x1 (32) + residual -&gt; Relu
 * -&gt; GlobalAveragePool -&gt; Flatten -&gt; Gemm (10) -&gt; y [N,10].
 */
final class ConvNet {
    static final String INPUT = "x";
    static final String OUTPUT = "y";
    static final int CHANNELS = 3;
    static final int SIZE = 32;
    static final int CLASSES = 10;

    private ConvNet() {
    }

    static Path write(Path file, long seed) {
        Random random = new Random(seed);
        OnnxModelBuilder b = new OnnxModelBuilder()
                .input(INPUT, OnnxModelBuilder.FLOAT, -1, CHANNELS, SIZE, SIZE)
                .output(OUTPUT, OnnxModelBuilder.FLOAT, -1, CLASSES);
        conv(b, random, "conv1", INPUT, 16, CHANNELS, 3);
        b.node("Relu", List.of("conv1"), List.of("relu1"));
        conv(b, random, "conv2", "relu1", 32, 16, 3);
        b.node("Relu", List.of("conv2"), List.of("relu2"));
        conv(b, random, "conv3", "relu2", 32, 32, 1);
        b.node("Add", List.of("conv3", "relu2"), List.of("sum"));
        b.node("Relu", List.of("sum"), List.of("relu3"));
        b.node("GlobalAveragePool", List.of("relu3"), List.of("pooled"));
        b.node("Flatten", List.of("pooled"), List.of("flat"));
        b.floatInitializer("fc.weight", new long[] {32, CLASSES}, normal(random, 32 * CLASSES, Math.sqrt(2.0 / 32)));
        b.floatInitializer("fc.bias", new long[] {CLASSES}, normal(random, CLASSES, 0.1));
        b.node("Gemm", List.of("flat", "fc.weight", "fc.bias"), List.of(OUTPUT));
        return b.write(file);
    }

    private static void conv(OnnxModelBuilder b, Random random, String out, String in, int outChannels,
            int inChannels, int kernel) {
        int fanIn = inChannels * kernel * kernel;
        b.floatInitializer(out + ".weight", new long[] {outChannels, inChannels, kernel, kernel},
                normal(random, outChannels * fanIn, Math.sqrt(2.0 / fanIn)));
        b.floatInitializer(out + ".bias", new long[] {outChannels}, normal(random, outChannels, 0.1));
        b.node("Conv", List.of(in, out + ".weight", out + ".bias"), List.of(out));
    }

    private static float[] normal(Random random, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    /** {@code count} inputs of batch 1, uniform in [-1, 1]. */
    static float[][][][][] inputs(int count, long seed) {
        Random random = new Random(seed);
        float[][][][][] out = new float[count][1][CHANNELS][SIZE][SIZE];
        for (float[][][][] sample : out) {
            for (float[][] channel : sample[0]) {
                for (float[] row : channel) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = random.nextFloat() * 2 - 1;
                    }
                }
            }
        }
        return out;
    }
}
