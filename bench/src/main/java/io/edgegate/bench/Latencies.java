package io.edgegate.bench;

import java.util.Arrays;

/** Latencies of one path, in nanoseconds, with nearest-rank percentiles. */
final class Latencies {
    private final String label;
    private final long[] sorted;

    Latencies(String label, long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no samples for " + label);
        }
        this.label = label;
        this.sorted = nanos.clone();
        Arrays.sort(sorted);
    }

    String label() {
        return label;
    }

    int count() {
        return sorted.length;
    }

    /** The nearest-rank percentile in milliseconds: the smallest sample with at least p% at or below it. */
    double percentileMs(double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    double p50() {
        return percentileMs(50);
    }

    double p99() {
        return percentileMs(99);
    }

    double minMs() {
        return sorted[0] / 1e6;
    }

    double meanMs() {
        double sum = 0;
        for (long n : sorted) {
            sum += n;
        }
        return sum / sorted.length / 1e6;
    }
}
