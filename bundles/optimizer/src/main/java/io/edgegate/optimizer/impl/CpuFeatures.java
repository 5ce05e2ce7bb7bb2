package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What this device's CPU does with ONNX Runtime's uint8 x int8 products. The optimizer runs on the device that will
 * run the variant, so it can ask. On x86 without VNNI, ONNX Runtime multiplies with {@code vpmaddubsw}, whose 16-bit
 * sums of two products saturate for full-range int8 weights: weights must then keep to 7 bits. VNNI
 * ({@code vpdpbusd}, 32-bit sums), AMX and ARM's dot-product instructions do not saturate.
 */
final class CpuFeatures {
    private static final Set<String> NON_SATURATING_FLAGS = Set.of("avx512_vnni", "avx_vnni", "amx_int8");

    private CpuFeatures() {
    }

    /** True when unsure: 7-bit weights are always correct, only slightly less accurate. */
    static boolean int8ProductsSaturate() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.equals("aarch64") || arch.equals("arm64")) {
            return false;
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return true;
        }
        Path cpuinfo = Path.of("/proc/cpuinfo");
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Stream.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))
                            .noneMatch(NON_SATURATING_FLAGS::contains))
                    .orElse(true);
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}
