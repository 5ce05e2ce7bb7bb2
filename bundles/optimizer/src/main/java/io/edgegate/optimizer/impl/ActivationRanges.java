package io.edgegate.optimizer.impl;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-tensor value ranges of activations over the calibration samples: {@code minmax} (the extremes seen) or
 * {@code percentile} (the p-th and (100-p)-th percentiles of all values, from a histogram over the extremes, which
 * trims rare outliers so that the common values get more of the 256 levels).
 */
final class ActivationRanges {
    private static final int BINS = 2048;

    private ActivationRanges() {
    }

    /** Tensor name to {min, max}. */
    static Map<String, double[]> measure(Calibration calibration, boolean percentile, double p, Progress progress)
            throws RecipeException {
        Map<String, double[]> extremes = new HashMap<>();
        calibration.forEachSample((name, values, shape) -> {
            double[] r = extremes.computeIfAbsent(name, k -> new double[] {Double.MAX_VALUE, -Double.MAX_VALUE});
            for (int i = 0, n = values.limit(); i < n; i++) {
                float v = values.get(i);
                if (Float.isFinite(v)) {
                    r[0] = Math.min(r[0], v);
                    r[1] = Math.max(r[1], v);
                }
            }
        }, progress, 0.1, percentile ? 0.3 : 0.5);
        extremes.values().removeIf(r -> r[0] > r[1]);
        if (!percentile) {
            return extremes;
        }
        Map<String, long[]> histograms = new HashMap<>();
        calibration.forEachSample((name, values, shape) -> {
            double[] r = extremes.get(name);
            if (r != null) {
                add(histograms.computeIfAbsent(name, k -> new long[BINS]), values, r);
            }
        }, progress, 0.3, 0.5);
        Map<String, double[]> trimmed = new HashMap<>();
        for (Map.Entry<String, long[]> e : histograms.entrySet()) {
            double[] r = extremes.get(e.getKey());
            trimmed.put(e.getKey(), new double[] {quantile(e.getValue(), r, (100 - p) / 100),
                    quantile(e.getValue(), r, p / 100)});
        }
        return trimmed;
    }

    private static void add(long[] histogram, FloatBuffer values, double[] range) {
        double width = (range[1] - range[0]) / BINS;
        for (int i = 0, n = values.limit(); i < n; i++) {
            float v = values.get(i);
            if (Float.isFinite(v)) {
                int bin = width > 0 ? (int) ((v - range[0]) / width) : 0;
                histogram[Math.max(0, Math.min(BINS - 1, bin))]++;
            }
        }
    }

    /** The value below which a fraction {@code q} of the counted values lie (bin edges, conservatively outward). */
    static double quantile(long[] histogram, double[] range, double q) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        double width = (range[1] - range[0]) / histogram.length;
        double target = q * total;
        long seen = 0;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen >= target && seen > 0) {
                return q < 0.5 ? range[0] + b * width : range[0] + (b + 1) * width;
            }
        }
        return range[1];
    }
}
