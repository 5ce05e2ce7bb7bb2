package io.edgegate.optimizer.impl;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/** Running models in real ONNX Runtime for the recipe tests, and comparing their outputs. */
final class OrtHarness {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private OrtHarness() {
    }

    /** A session with {@code threads} intra-op threads and ORT's default (all) optimizations. */
    static OrtSession session(Path model, int threads) throws OrtException {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            return ENV.createSession(model.toString(), so);
        }
    }

    /** Saves what ORT's optimizer makes of {@code model} (level all) to {@code optimized}, to look at its nodes. */
    static void saveOptimized(Path model, Path optimized) throws OrtException {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizedModelFilePath(optimized.toString());
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            ENV.createSession(model.toString(), so).close();
        }
    }

    /** Copies a model shipped in a test dependency's jar to {@code dir}. */
    static Path extract(String resource, Path dir) throws IOException {
        Path file = dir.resolve(resource);
        try (InputStream in = OrtHarness.class.getClassLoader().getResourceAsStream(resource)) {
            assertNotNull(in, resource + " missing from the test classpath");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    static double cosine(float[] a, int aOffset, float[] b, int bOffset, int n) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < n; i++) {
            double x = a[aOffset + i];
            double y = b[bOffset + i];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return na == 0 || nb == 0 ? (na == nb ? 1 : 0) : dot / Math.sqrt(na * nb);
    }

    /** Median latency of {@code runs} runs after {@code warmup} unmeasured ones. */
    static double p50Millis(OrtSession session, Map<String, OnnxTensor> inputs, int warmup, int runs)
            throws OrtException {
        for (int i = 0; i < warmup; i++) {
            session.run(inputs).close();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            session.run(inputs).close();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }

    static String mb(Path file) throws IOException {
        return String.format("%.1f MB", Files.size(file) / 1e6);
    }
}
