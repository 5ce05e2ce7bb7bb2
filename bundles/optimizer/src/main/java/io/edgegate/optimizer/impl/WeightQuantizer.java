package io.edgegate.optimizer.impl;

/**
 * The arithmetic of weight quantization, on row-major matrices.
 *
 * <p>Symmetric INT8 (zero point 0) with one scale per channel, the channel being a column of {@code [rows, cols]}
 * (MatMul's B, where a column is an output feature) or a row (Conv's weight flattened to {@code [M, C*kH*kW]}).
 * With {@code reduceRange} the values stay within [-64, 64] (7 bits, as ONNX Runtime's own quantizer does with
 * reduce_range): on x86 CPUs without VNNI, ONNX Runtime multiplies uint8 activations by int8 weights with
 * {@code vpmaddubsw}, whose 16-bit sums of two products saturate at full 8-bit range and give wrong results.
 */
final class WeightQuantizer {

    /** Quantized values, one scale per channel (or one in all), and the zero point(s). */
    record Quantized(byte[] values, float[] scales, int zeroPoint) {
    }

    private WeightQuantizer() {
    }

    /**
     * @param columnChannels channels are the columns (else the rows)
     * @param perChannel one scale per channel, else one for the whole matrix
     * @param scaleFactor 1 in production; anything else deliberately breaks the scale (test-only harm)
     */
    static Quantized symmetricInt8(float[] w, int rows, int cols, boolean columnChannels, boolean perChannel,
            boolean reduceRange, double scaleFactor) {
        int qmax = reduceRange ? 64 : 127;
        int channels = perChannel ? (columnChannels ? cols : rows) : 1;
        float[] absMax = new float[channels];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int ch = !perChannel ? 0 : columnChannels ? c : r;
                absMax[ch] = Math.max(absMax[ch], Math.abs(w[r * cols + c]));
            }
        }
        float[] scales = new float[channels];
        for (int ch = 0; ch < channels; ch++) {
            float s = absMax[ch] / qmax;
            // An all-zero channel quantizes to zeros with any scale; 1 keeps the scale a normal number.
            scales[ch] = (float) ((s > 0 ? s : 1f) * scaleFactor);
        }
        byte[] q = new byte[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int ch = !perChannel ? 0 : columnChannels ? c : r;
                int i = r * cols + c;
                q[i] = (byte) clamp(Math.round(w[i] / scales[ch]), -qmax, qmax);
            }
        }
        return new Quantized(q, scales, 0);
    }

    /**
     * Asymmetric UINT8 with one scale and zero point for the whole tensor, the range widened to include 0 so that 0
     * is exact (padding rows of an embedding stay zero).
     */
    static Quantized asymmetricUint8(float[] w) {
        float min = 0f;
        float max = 0f;
        for (float v : w) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float scale = (max - min) / 255f;
        if (!(scale > 0)) {
            scale = 1f;
        }
        int zp = clamp(Math.round(-min / scale), 0, 255);
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            q[i] = (byte) clamp(Math.round(w[i] / scale) + zp, 0, 255);
        }
        return new Quantized(q, new float[] {scale}, zp);
    }

    /** UINT8 activation parameters for the range [lo, hi], widened to include 0: {scale, zeroPoint}. */
    static float[] activationParams(double lo, double hi) {
        double min = Math.min(lo, 0);
        double max = Math.max(hi, 0);
        double scale = (max - min) / 255.0;
        if (!(scale > 0)) {
            scale = 1.0;
        }
        int zp = clamp((int) Math.round(-min / scale), 0, 255);
        return new float[] {(float) scale, zp};
    }

    static int clamp(long v, int lo, int hi) {
        return (int) Math.max(lo, Math.min(hi, v));
    }
}
