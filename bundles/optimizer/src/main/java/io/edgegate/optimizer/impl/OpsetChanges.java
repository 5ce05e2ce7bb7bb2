package io.edgegate.optimizer.impl;

import java.util.Map;

/**
 * Operators whose inputs, attributes or meaning changed at a given default-domain opset (from the ONNX changelog),
 * as far as raising a model from opset 7 or later to at most 13 is concerned. Changes that only add types or optional
 * attributes with the old behaviour as default are not listed: those bumps are safe.
 */
final class OpsetChanges {
    private static final Map<String, int[]> CHANGES = Map.ofEntries(
            Map.entry("Clip", new int[] {11}),
            Map.entry("Pad", new int[] {11}),
            Map.entry("Resize", new int[] {11, 13}),
            Map.entry("Upsample", new int[] {9, 10}),
            Map.entry("Slice", new int[] {10}),
            Map.entry("TopK", new int[] {10}),
            Map.entry("Dropout", new int[] {10, 12}),
            Map.entry("Softmax", new int[] {13}),
            Map.entry("LogSoftmax", new int[] {13}),
            Map.entry("Hardmax", new int[] {13}),
            Map.entry("Split", new int[] {13}),
            Map.entry("Squeeze", new int[] {13}),
            Map.entry("Unsqueeze", new int[] {13}),
            Map.entry("ReduceSum", new int[] {13}),
            Map.entry("Scan", new int[] {8, 9, 11}),
            Map.entry("Scatter", new int[] {11}),
            Map.entry("BatchNormalization", new int[] {9}),
            Map.entry("Sum", new int[] {8}),
            Map.entry("Max", new int[] {8}),
            Map.entry("Min", new int[] {8}),
            Map.entry("Mean", new int[] {8}));

    /** The oldest opset a model may import for {@link #changedBetween} to be complete. */
    static final long OLDEST_SUPPORTED = 7;

    private OpsetChanges() {
    }

    /** Whether {@code op} changed at some opset {@code v} with {@code from < v <= to}. */
    static boolean changedBetween(String op, long from, long to) {
        if (from < OLDEST_SUPPORTED) {
            return true;
        }
        for (int v : CHANGES.getOrDefault(op, new int[0])) {
            if (from < v && v <= to) {
                return true;
            }
        }
        return false;
    }
}
