package io.edgegate.optimizer.impl;

import java.util.Map;

import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.Variant;

/**
 * The guard's settings for one request: the thresholds and sample count given with it ({@code minCosine},
 * {@code maxAbsDiff}, {@code minTop1}, {@code samples}), else the configured ones, with the stricter default
 * {@code minCosine} of {@code fp16} and {@code ort-graph} variants.
 */
record Guard(Variant.Thresholds thresholds, int samples) {

    static Guard of(String recipe, Map<String, String> given, OnnxModelOptimizer.Config config)
            throws OptimizerException {
        double recipeFloor = switch (recipe) {
            case Fp16Recipe.ID -> config.fp16MinCosine();
            case OrtGraphRecipe.ID -> config.ortGraphMinCosine();
            default -> config.minCosine();
        };
        double minCosine = number(given, "minCosine", recipeFloor, -1, 1);
        Double maxAbsDiff = null;
        if (given.containsKey("maxAbsDiff")) {
            maxAbsDiff = number(given, "maxAbsDiff", 0, Double.MIN_VALUE, Double.MAX_VALUE);
        } else if (config.maxAbsDiff() > 0) {
            maxAbsDiff = config.maxAbsDiff();
        }
        double minTop1 = number(given, "minTop1", config.minTop1(), 0, 1);
        double samples = number(given, "samples", config.samples(), 1, 1000);
        if (samples != Math.rint(samples)) {
            throw bad("samples", "an integer from 1 to 1000");
        }
        return new Guard(new Variant.Thresholds(minCosine, maxAbsDiff, minTop1), (int) samples);
    }

    private static double number(Map<String, String> given, String key, double defaultValue, double min, double max)
            throws OptimizerException {
        String v = given.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (d >= min && d <= max) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw bad(key, "a number from " + (min == Double.MIN_VALUE ? "above 0" : min) + " to "
                + (max == Double.MAX_VALUE ? "any" : max) + ", got '" + v + "'");
    }

    private static OptimizerException bad(String key, String expected) {
        return new OptimizerException(OptimizerException.Reason.BAD_OPTIONS, "guard option " + key + " must be "
                + expected);
    }
}
