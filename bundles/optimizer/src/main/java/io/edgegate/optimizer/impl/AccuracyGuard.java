package io.edgegate.optimizer.impl;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import io.edgegate.optimizer.Variant;

/**
 * Runs the original and the variant in ONNX Runtime on the same samples and compares every output
 * ({@link Comparison}), then holds the result against the thresholds. Top-1 agreement counts for rank-2 outputs
 * that look like class scores ({@link #classScores}). Both sessions are built as the gateway serves
 * (CPU, every graph optimization, so that ONNX Runtime's fusions of the variant are judged too) with explicit
 * options.
 *
 * <p>Native resources: one {@link SessionOptions} and two {@link OrtSession}s, closed by try-with-resources in the
 * order sessions, then options; each sample's input tensors and both results are closed as soon as they are
 * compared. The shared {@link OrtEnvironment} is never closed here.
 */
final class AccuracyGuard {

    /** The variant (or the original, on these samples) could not be loaded or run. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * What was measured and the verdict.
     *
     * @param rejection why the variant is rejected, naming the metric and the threshold; {@code null}: accepted
     * @param outputs the measurements per output
     */
    record Verdict(Variant.Metrics metrics, String rejection, Map<String, Comparison> outputs) {
    }

    private static final Set<String> CLASSIFIER_HEADS = Set.of("Softmax", "LogSoftmax", "Gemm", "MatMul", "Add");

    private final int threads;

    AccuracyGuard(int threads) {
        this.threads = threads;
    }

    Verdict judge(Path source, Path variant, GraphProto sourceGraph, GuardSamples samples,
            Variant.Thresholds thresholds, Progress progress) throws Failure {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, Comparison> outputs = new LinkedHashMap<>();
        try (SessionOptions options = new SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OptLevel.ALL_OPT);
            try (OrtSession original = open(env, source, options, "the original");
                    OrtSession candidate = open(env, variant, options, "the variant")) {
                Set<String> classes = classScores(sourceGraph);
                for (Map.Entry<String, NodeInfo> o : original.getOutputInfo().entrySet()) {
                    if (!candidate.getOutputNames().contains(o.getKey())) {
                        throw new Failure("the variant has no output '" + o.getKey() + "'", null);
                    }
                    boolean rank2 = o.getValue().getInfo() instanceof TensorInfo t && t.getShape().length == 2;
                    outputs.put(o.getKey(), new Comparison(rank2 && classes.contains(o.getKey())));
                }
                for (int i = 0; i < samples.count(); i++) {
                    compare(env, original, candidate, sourceGraph, samples, i, outputs);
                    progress.report((i + 1.0) / samples.count(), "comparing outputs " + (i + 1) + "/"
                            + samples.count());
                }
            }
        } catch (OrtException e) {
            throw new Failure("ONNX Runtime: " + e.getMessage(), e);
        }
        Comparison total = new Comparison(false);
        outputs.values().forEach(total::merge);
        Variant.Metrics metrics = new Variant.Metrics(samples.count(), samples.description(), total.cosineMean(),
                total.cosineMin(), total.maxAbsDiff(), total.top1Agreement());
        return new Verdict(metrics, rejection(total, thresholds), outputs);
    }

    /**
     * The graph outputs that look like class scores: made by the operators that end a classifier (Softmax,
     * LogSoftmax, or the Gemm, MatMul or Add of its logits), as opposed to an embedding's (a pooler's Tanh, a
     * normalization), whose arg-max means nothing and flips with any noise.
     */
    static Set<String> classScores(GraphProto graph) {
        Set<String> outputs = new HashSet<>();
        graph.getOutputList().forEach(v -> outputs.add(v.getName()));
        Set<String> classes = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            if (CLASSIFIER_HEADS.contains(n.getOpType())) {
                n.getOutputList().stream().filter(outputs::contains).forEach(classes::add);
            }
        }
        return classes;
    }

    private static OrtSession open(OrtEnvironment env, Path model, SessionOptions options, String what)
            throws Failure {
        try {
            return env.createSession(model.toString(), options);
        } catch (OrtException e) {
            throw new Failure(what + " does not load in ONNX Runtime: " + e.getMessage(), e);
        }
    }

    private static void compare(OrtEnvironment env, OrtSession original, OrtSession candidate, GraphProto graph,
            GuardSamples samples, int index, Map<String, Comparison> outputs) throws Failure, OrtException {
        Map<String, OnnxTensor> in;
        try {
            in = samples.sample(env, index, original.getInputInfo(), graph);
        } catch (OrtException e) {
            throw new Failure("cannot make sample " + index + ": " + e.getMessage(), e);
        }
        try {
            try (OrtSession.Result a = run(original, in, "the original", index);
                    OrtSession.Result b = run(candidate, in, "the variant", index)) {
                for (Map.Entry<String, Comparison> e : outputs.entrySet()) {
                    OnnxValue va = a.get(e.getKey()).orElseThrow();
                    OnnxValue vb = b.get(e.getKey()).orElseThrow();
                    if (va instanceof OnnxTensor ta && vb instanceof OnnxTensor tb) {
                        e.getValue().add(values(ta), values(tb), ta.getInfo().getShape());
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new Failure("sample " + index + ": " + e.getMessage(), e);
            }
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private static OrtSession.Result run(OrtSession session, Map<String, OnnxTensor> in, String what, int index)
            throws Failure {
        try {
            return session.run(in);
        } catch (OrtException e) {
            throw new Failure(what + " fails on sample " + index + ": " + e.getMessage(), e);
        }
    }

    /** Every value as a double, row-major. */
    private static double[] values(OnnxTensor t) {
        TensorInfo info = t.getInfo();
        int n = Math.toIntExact(info.getNumElements());
        double[] out = new double[n];
        switch (info.type) {
            case FLOAT, FLOAT16, BFLOAT16 -> {
                FloatBuffer b = t.getFloatBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
            }
            case DOUBLE -> {
                DoubleBuffer b = t.getDoubleBuffer();
                b.get(out);
            }
            case INT64 -> {
                LongBuffer b = t.getLongBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
            }
            case INT32 -> {
                IntBuffer b = t.getIntBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
            }
            default -> {
                ByteBuffer b = t.getByteBuffer();
                for (int i = 0; i < n && i < b.limit(); i++) {
                    out[i] = b.get(i);
                }
            }
        }
        return out;
    }

    /** Why the measurements fall short, or {@code null}. */
    static String rejection(Comparison c, Variant.Thresholds t) {
        if (c.nonFinite() > 0) {
            return c.nonFinite() + " output value(s) of the variant are NaN or infinite";
        }
        if (c.cosineMean() < t.minCosine()) {
            return String.format(Locale.ROOT, "cosine similarity %.5f (mean over %d rows, lowest %.5f) is below "
                    + "minCosine %s", c.cosineMean(), c.rows(), c.cosineMin(), t.minCosine());
        }
        if (t.maxAbsDiff() != null && c.maxAbsDiff() > t.maxAbsDiff()) {
            return String.format(Locale.ROOT, "max abs difference %.6g is above maxAbsDiff %s", c.maxAbsDiff(),
                    t.maxAbsDiff());
        }
        Double top1 = c.top1Agreement();
        if (top1 != null && top1 < t.minTop1()) {
            return String.format(Locale.ROOT, "top-1 agreement %.4f is below minTop1 %s", top1, t.minTop1());
        }
        return null;
    }

    /** Whether earlier measurements still meet {@code t} (a reused variant is judged by today's thresholds). */
    static boolean meets(Variant.Metrics m, Variant.Thresholds t) {
        return m != null && m.cosineMean() >= t.minCosine()
                && (t.maxAbsDiff() == null || m.maxAbsDiff() <= t.maxAbsDiff())
                && (m.top1Agreement() == null || m.top1Agreement() >= t.minTop1());
    }
}
