package io.edgegate.optimizer.impl;

/** IEEE 754 binary16 conversion (Java 17 has no Float.floatToFloat16). */
final class Float16 {
    /** The largest finite float16. */
    static final float MAX = 65504f;
    /** The smallest positive (subnormal) float16, 2^-24. */
    static final float MIN_POSITIVE = 5.9604645e-8f;

    private Float16() {
    }

    /**
     * Brings a finite value into float16's range: beyond ±65504 to ±65504, and a nonzero value below the smallest
     * subnormal to that subnormal (keeping a tiny epsilon nonzero, as onnxconverter-common does). Infinities and NaN
     * are kept: a mask of -inf stays one.
     */
    static float clamp(float v) {
        if (Float.isNaN(v) || Float.isInfinite(v) || v == 0f) {
            return v;
        }
        if (v > MAX) {
            return MAX;
        }
        if (v < -MAX) {
            return -MAX;
        }
        if (Math.abs(v) < MIN_POSITIVE) {
            return Math.copySign(MIN_POSITIVE, v);
        }
        return v;
    }

    /** Rounds to nearest even; overflow gives infinity. */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int full = mant | 0x800000;
            int shift = 14 - e;
            int half = full >> shift;
            int rem = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = sign | (e << 10) | (mant >> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++; // a carry into the exponent is the correct rounding, up to infinity
        }
        return (short) half;
    }

    static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * MIN_POSITIVE;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
