package io.edgegate.optimizer.impl;

/**
 * How far one output of a variant strays from the original's, accumulated over samples. An output of rank 2 or more
 * is compared row by row, a row being its last dimension (a token's embedding, one sample's class scores); one of
 * lower rank as a single vector. Outputs of class scores also count top-1 agreement: whether each row's arg-max is
 * the same, where a row whose two best scores the original itself cannot tell apart (within {@value #TIE} of the
 * row's range) counts as agreeing, since which of them wins is noise.
 */
final class Comparison {
    static final double TIE = 1e-4;

    private double cosineSum;
    private long rows;
    private double cosineMin = 1;
    private double maxAbsDiff;
    private long top1Rows;
    private long top1Agreeing;
    private long nonFinite;
    private final boolean classScores;

    /** @param classScores whether the output holds class scores, one row per sample: top-1 agreement counts */
    Comparison(boolean classScores) {
        this.classScores = classScores;
    }

    /** Compares one sample's output; {@code a} is the original's, {@code b} the variant's, both row-major. */
    void add(double[] a, double[] b, long[] shape) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("the variant's output has " + b.length + " values, the original's "
                    + a.length);
        }
        int width = shape.length >= 2 && shape[shape.length - 1] > 0 ? (int) shape[shape.length - 1] : a.length;
        boolean classes = classScores && width >= 2;
        for (int off = 0; off + width <= a.length && width > 0; off += width) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int i = off; i < off + width; i++) {
                double x = a[i];
                double y = b[i];
                if (!Double.isFinite(y)) {
                    nonFinite++;
                    continue;
                }
                dot += x * y;
                na += x * x;
                nb += y * y;
                maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x - y));
            }
            double cos = na == 0 || nb == 0 ? (na == nb ? 1 : 0) : dot / Math.sqrt(na * nb);
            cosineSum += cos;
            cosineMin = Math.min(cosineMin, cos);
            rows++;
            if (classes) {
                top1Rows++;
                if (agrees(a, b, off, width)) {
                    top1Agreeing++;
                }
            }
        }
    }

    private static boolean agrees(double[] a, double[] b, int off, int width) {
        int ia = argmax(a, off, width);
        int ib = argmax(b, off, width);
        if (ia == ib) {
            return true;
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = off; i < off + width; i++) {
            min = Math.min(min, a[i]);
            max = Math.max(max, a[i]);
        }
        return a[ia] - a[ib] <= TIE * (max - min);
    }

    private static int argmax(double[] v, int off, int width) {
        int best = off;
        for (int i = off + 1; i < off + width; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Adds another output's counts to this one's (for the totals over every output). */
    void merge(Comparison o) {
        cosineSum += o.cosineSum;
        rows += o.rows;
        cosineMin = Math.min(cosineMin, o.cosineMin);
        maxAbsDiff = Math.max(maxAbsDiff, o.maxAbsDiff);
        top1Rows += o.top1Rows;
        top1Agreeing += o.top1Agreeing;
        nonFinite += o.nonFinite;
    }

    long rows() {
        return rows;
    }

    double cosineMean() {
        return rows == 0 ? 1 : cosineSum / rows;
    }

    double cosineMin() {
        return rows == 0 ? 1 : cosineMin;
    }

    double maxAbsDiff() {
        return maxAbsDiff;
    }

    /** Null when no rank-2 output was compared. */
    Double top1Agreement() {
        return top1Rows == 0 ? null : (double) top1Agreeing / top1Rows;
    }

    /** Values of the variant that were NaN or infinite. */
    long nonFinite() {
        return nonFinite;
    }
}
