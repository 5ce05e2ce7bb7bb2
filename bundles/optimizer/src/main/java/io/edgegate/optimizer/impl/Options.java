package io.edgegate.optimizer.impl;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A recipe's string options, read with their defaults. An unknown key is refused rather than ignored, so that a typo
 * ({@code perchannel=false}) cannot silently produce a variant the operator did not ask for.
 */
final class Options {
    private final String recipe;
    private final Map<String, String> values;

    private Options(String recipe, Map<String, String> values) {
        this.recipe = recipe;
        this.values = values;
    }

    static Options of(String recipe, Map<String, String> options, Set<String> known) throws RecipeException {
        Map<String, String> values = options == null ? Map.of() : options;
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new BadOptionException(recipe + ": unknown option(s) " + unknown + "; known: " + new TreeSet<>(known));
        }
        return new Options(recipe, values);
    }

    String string(String key, String defaultValue) {
        String v = values.get(key);
        return v == null || v.isBlank() ? defaultValue : v.trim();
    }

    String oneOf(String key, String defaultValue, String... allowed) throws RecipeException {
        String v = string(key, defaultValue).toLowerCase(Locale.ROOT);
        if (!Arrays.asList(allowed).contains(v)) {
            throw invalid(key, String.join("|", allowed));
        }
        return v;
    }

    boolean bool(String key, boolean defaultValue) throws RecipeException {
        String v = string(key, Boolean.toString(defaultValue)).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw invalid(key, "true|false");
        }
        return Boolean.parseBoolean(v);
    }

    long nonNegativeLong(String key, long defaultValue) throws RecipeException {
        try {
            long v = Long.parseLong(string(key, Long.toString(defaultValue)));
            if (v < 0) {
                throw invalid(key, "a number >= 0");
            }
            return v;
        } catch (NumberFormatException e) {
            throw invalid(key, "a number >= 0");
        }
    }

    double number(String key, double defaultValue, double min, double max) throws RecipeException {
        try {
            double v = Double.parseDouble(string(key, Double.toString(defaultValue)));
            if (!(v >= min && v <= max)) {
                throw invalid(key, "a number in [" + min + ", " + max + "]");
            }
            return v;
        } catch (NumberFormatException e) {
            throw invalid(key, "a number in [" + min + ", " + max + "]");
        }
    }

    /** A comma-separated list; blank entries dropped. */
    Set<String> list(String key, String defaultValue) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : string(key, defaultValue).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** Two numbers {@code "low,high"} with low &lt; high. */
    double[] range(String key, String defaultValue) throws RecipeException {
        List<String> parts = List.copyOf(list(key, defaultValue));
        try {
            if (parts.size() == 2) {
                double lo = Double.parseDouble(parts.get(0));
                double hi = Double.parseDouble(parts.get(1));
                if (lo < hi) {
                    return new double[] {lo, hi};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(key, "\"low,high\" with low < high");
    }

    private RecipeException invalid(String key, String expected) {
        return new BadOptionException(recipe + ": option " + key + " must be " + expected + ", got '" + values.get(key) + "'");
    }
}
