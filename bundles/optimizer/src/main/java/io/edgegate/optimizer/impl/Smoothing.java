package io.edgegate.optimizer.impl;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * SmoothQuant (Xiao et al., 2022) for dynamic quantization. Transformer activations have a few channels with far
 * larger values than the rest, and one dynamic scale per tensor sized for those leaves the others a handful of levels.
 * Dividing channel k of the activation by s_k and multiplying row k of the weights by s_k leaves the product unchanged
 * and moves part of the range into the weights, which are quantized per output column and take it well:
 * {@code s_k = max|X_k|^alpha / max|W_k|^(1 - alpha)}.
 *
 * <p>The channel statistics of X come from running the FP32 model on calibration inputs. With alpha "auto", each
 * activation gets the alpha (or no smoothing at all) that minimises the expected squared error of its MatMuls'
 * outputs under uniform rounding noise: {@code dx^2/12 * sum_k s_k^2 |W_k|^2 + sum_n dw_n^2/12 * sum_k E[X_k^2]/s_k^2},
 * dx being the activation's quantization step and dw_n that of weight column n.
 */
final class Smoothing {
    /**
     * With alpha "auto", an activation whose expected relative output error unsmoothed is below this (SNR above 30 dB)
     * is left alone: on all-MiniLM-L6-v2 that skips 15 of 25 activations (and their Muls) for a token cosine 0.0005
     * lower than smoothing all.
     */
    static final double MIN_RELATIVE_ERROR = 1e-3;
    private static final float FLOOR = 1e-5f;
    private static final double[] ALPHAS = {0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

    /** Per-channel minimum, maximum and mean square of an activation. */
    static final class Stats {
        final float[] min;
        final float[] max;
        final double[] sumSquares;
        long rows;

        Stats(int channels) {
            min = new float[channels];
            max = new float[channels];
            sumSquares = new double[channels];
        }

        void add(FloatBuffer values) {
            int channels = min.length;
            for (int i = 0, n = values.limit(); i < n; i++) {
                int c = i % channels;
                float v = values.get(i);
                min[c] = Math.min(min[c], v);
                max[c] = Math.max(max[c], v);
                sumSquares[c] += (double) v * v;
            }
            rows += values.limit() / channels;
        }

        float absMax(int c) {
            return Math.max(-min[c], max[c]);
        }
    }

    private Smoothing() {
    }

    /**
     * Calibrates and registers the chosen factors with the quantizer; {@code alpha} NaN means "auto". Returns how many
     * activations were smoothed.
     */
    static int apply(String recipe, ModelProto model, DynamicQuantizer quantizer, CalibrationInputs inputs,
            double alpha, int qmax, double threshold, Progress progress) throws RecipeException {
        Map<String, List<DynamicQuantizer.Matrix>> weights = quantizer.matMulInputs();
        if (weights.isEmpty()) {
            return 0; // only Gathers to quantize
        }
        Map<String, Stats> stats = new HashMap<>();
        try (Calibration calibration = Calibration.open(recipe, model, weights.keySet(), inputs)) {
            calibration.forEachSample((name, values, shape) -> {
                int channels = shape.length == 0 ? 0 : (int) shape[shape.length - 1];
                if (channels == weights.get(name).get(0).rows()) {
                    stats.computeIfAbsent(name, k -> new Stats(channels)).add(values);
                }
            }, progress, 0.1, 0.4);
        }
        int smoothed = 0;
        for (Map.Entry<String, Stats> e : stats.entrySet()) {
            float[] factors = Double.isNaN(alpha) ? best(e.getValue(), weights.get(e.getKey()), qmax, threshold)
                    : factors(e.getValue(), weights.get(e.getKey()), alpha);
            if (factors != null) {
                quantizer.smooth(e.getKey(), factors);
                smoothed++;
            }
        }
        return smoothed;
    }

    static float[] factors(Stats x, List<DynamicQuantizer.Matrix> weights, double alpha) {
        int channels = x.min.length;
        float[] wMax = new float[channels];
        for (DynamicQuantizer.Matrix w : weights) {
            for (int i = 0; i < w.values().length; i++) {
                int k = i / w.cols();
                wMax[k] = Math.max(wMax[k], Math.abs(w.values()[i]));
            }
        }
        float[] s = new float[channels];
        for (int k = 0; k < channels; k++) {
            double a = Math.max(x.absMax(k), FLOOR);
            double w = Math.max(wMax[k], FLOOR);
            s[k] = (float) Math.max(Math.pow(a, alpha) / Math.pow(w, 1 - alpha), FLOOR);
        }
        return s;
    }

    /**
     * The factors of the alpha with the least expected error; null when the activation quantizes well enough as it is
     * (its relative error is below {@code threshold}: a Mul would cost more time than it buys accuracy) or when no
     * smoothing is better still.
     */
    private static float[] best(Stats x, List<DynamicQuantizer.Matrix> weights, int qmax, double threshold) {
        double plain = expectedError(x, weights, null, qmax);
        if (plain < threshold * outputPower(x, weights)) {
            return null;
        }
        float[] best = null;
        double bestError = plain;
        for (double alpha : ALPHAS) {
            float[] s = factors(x, weights, alpha);
            double error = expectedError(x, weights, s, qmax);
            if (error < bestError) {
                bestError = error;
                best = s;
            }
        }
        return best;
    }

    /** The expected squared output per row of X, taking its channels as uncorrelated. */
    static double outputPower(Stats x, List<DynamicQuantizer.Matrix> weights) {
        double power = 0;
        for (DynamicQuantizer.Matrix w : weights) {
            float[] v = w.values();
            for (int i = 0; i < v.length; i++) {
                power += x.sumSquares[i / w.cols()] / Math.max(1, x.rows) * v[i] * v[i];
            }
        }
        return power;
    }

    /** Expected squared output error per row of X, summed over the weights; {@code s} null means no smoothing. */
    static double expectedError(Stats x, List<DynamicQuantizer.Matrix> weights, float[] s, int qmax) {
        int channels = x.min.length;
        double lo = 0;
        double hi = 0;
        double inputPower = 0;
        for (int k = 0; k < channels; k++) {
            double sk = s == null ? 1 : s[k];
            lo = Math.min(lo, x.min[k] / sk);
            hi = Math.max(hi, x.max[k] / sk);
            inputPower += x.sumSquares[k] / Math.max(1, x.rows) / (sk * sk);
        }
        double dx = (hi - lo) / 255;
        double error = 0;
        for (DynamicQuantizer.Matrix w : weights) {
            double[] columnMax = new double[w.cols()];
            double weightPower = 0;
            for (int i = 0; i < w.values().length; i++) {
                int k = i / w.cols();
                double v = w.values()[i] * (s == null ? 1 : s[k]);
                weightPower += v * v;
                columnMax[i % w.cols()] = Math.max(columnMax[i % w.cols()], Math.abs(v));
            }
            double columnSteps = 0;
            for (double m : columnMax) {
                double dw = m / qmax;
                columnSteps += dw * dw;
            }
            error += dx * dx / 12 * weightPower + columnSteps / 12 * inputPower;
        }
        return error;
    }
}
