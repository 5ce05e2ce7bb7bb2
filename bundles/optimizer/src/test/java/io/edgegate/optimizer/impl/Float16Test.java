package io.edgegate.optimizer.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class Float16Test {

    @Test
    void knownValues() {
        assertEquals(0x3C00, Float16.fromFloat(1f) & 0xffff);
        assertEquals(0xC000, Float16.fromFloat(-2f) & 0xffff);
        assertEquals(0x7BFF, Float16.fromFloat(65504f) & 0xffff);
        assertEquals(0x7C00, Float16.fromFloat(65520f) & 0xffff, "rounds up to infinity");
        assertEquals(0x0001, Float16.fromFloat(5.9604645e-8f) & 0xffff, "smallest subnormal");
        assertEquals(0x0000, Float16.fromFloat(2e-8f) & 0xffff, "below half the smallest subnormal");
        assertEquals(0x3555, Float16.fromFloat(1f / 3) & 0xffff);
        assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN))));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat(Float16.fromFloat(Float.NEGATIVE_INFINITY)));
    }

    @Test
    void clampKeepsEpsilonsAndLargeValuesFinite() {
        assertEquals(65504f, Float16.clamp(1e9f));
        assertEquals(-65504f, Float16.clamp(-3.4e38f));
        assertEquals(Float16.MIN_POSITIVE, Float16.clamp(1e-12f), "LayerNorm's epsilon must not become 0");
        assertEquals(0f, Float16.clamp(0f));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.clamp(Float.NEGATIVE_INFINITY));
    }

    @Test
    void roundTripWithinHalfAnUlp() {
        Random random = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            float v = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
            if (Math.abs(v) > 65504 || Math.abs(v) < 6.1e-5) {
                continue; // normal range only: subnormals have an absolute, not relative, step
            }
            float back = Float16.toFloat(Float16.fromFloat(v));
            assertTrue(Math.abs(back - v) <= Math.abs(v) * 0x1p-11 * 1.0001, v + " -> " + back);
        }
    }
}
