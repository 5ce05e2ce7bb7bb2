package io.edgegate.bench;

import java.io.PrintStream;
import java.util.Locale;

import ai.onnxruntime.OrtEnvironment;

/** The figures of one run, printed as a table followed by the goals, each marked PASS or MISS. */
final class Report {
    // The goals of the walking skeleton (see bench/README.md).
    static final double IN_PROCESS_OVER_RAW_P50 = 1.03;
    static final double START_SECONDS = 3.0;
    static final double TARBALL_MB = 60;
    static final double IDLE_RSS_MB = 200;
    /** Outputs closer than this count as the same: only float rounding separates them. */
    private static final double AGREE = 1e-4;

    private final int iterations;
    private final int warmup;

    Latencies raw;
    Latencies inProcess;
    Latencies http;
    Latencies rawAfter;
    float[] rawOutput;
    float[] inProcessOutput;
    float[] httpOutput;
    double startSeconds;
    long rssAfterStart;
    long rssIdle;
    /** {@code null} when the gateway ignored SIGTERM and was killed. */
    Integer exitCode;
    String tarball;
    long tarballBytes;
    String loadBefore;

    Report(int iterations, int warmup) {
        this.iterations = iterations;
        this.warmup = warmup;
    }

    void print(PrintStream out) {
        out.println();
        out.println("Edgegate serving bench: " + BenchInput.MODEL + ", batch 1, " + BenchInput.SEQUENCE
                + " tokens, " + ServingBench.INTRA_OP_THREADS + " intra-op / " + ServingBench.INTER_OP_THREADS
                + " inter-op threads");
        out.println(f("%d CPU cores, Java %s, ONNX Runtime %s; %d warm-up + %d measured calls per path",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                OrtEnvironment.getEnvironment().getVersion(), warmup, iterations));
        out.println("load average (1/5/15 min) before the run: " + loadBefore
                + " (latencies compare well only on an otherwise idle machine)");
        out.println();
        out.println(f("%-28s %9s %9s %9s %9s %9s %9s", "path", "p50 ms", "p99 ms", "mean ms", "min ms",
                "p50/raw", "p99/raw"));
        row(out, raw);
        row(out, inProcess);
        row(out, http);
        row(out, rawAfter);
        out.println();

        out.println(f("outputs, max |diff| against raw: in-process %s, HTTP %s",
                agreement(inProcessOutput), agreement(httpOutput)));
        out.println(f("gateway start to first inference:  %.2f s", startSeconds));
        out.println(f("gateway idle RSS after start:      %.1f MB", mb(rssAfterStart)));
        out.println(f("gateway idle RSS after the load:   %.1f MB", mb(rssIdle)));
        out.println("gateway exit code after SIGTERM:   "
                + (exitCode == null ? "none, killed after 30 s" : exitCode.toString()));
        out.println(f("tarball %s: %.1f MB", tarball, mb(tarballBytes)));
        out.println("(MB = 10^6 bytes; ratios are against the first raw row, measured alternating with "
                + "in-process)");
        out.println();

        out.println("goals");
        goal(out, "in-process p50 <= 1.03 x raw p50", f("%.3f x", inProcess.p50() / raw.p50()),
                inProcess.p50() <= IN_PROCESS_OVER_RAW_P50 * raw.p50());
        goal(out, "start to first inference <= 3 s", f("%.2f s", startSeconds), startSeconds <= START_SECONDS);
        goal(out, "tarball <= 60 MB", f("%.1f MB", mb(tarballBytes)), mb(tarballBytes) <= TARBALL_MB);
        goal(out, "idle RSS <= 200 MB", f("%.1f MB", mb(rssIdle)), mb(rssIdle) <= IDLE_RSS_MB);
        out.println("(informational only: the build never fails on these)");
    }

    private void row(PrintStream out, Latencies l) {
        out.println(f("%-28s %9.2f %9.2f %9.2f %9.2f %9.3f %9.3f", l.label(), l.p50(), l.p99(), l.meanMs(),
                l.minMs(), l.p50() / raw.p50(), l.p99() / raw.p99()));
    }

    private String agreement(float[] output) {
        double diff = BenchInput.maxAbsDiff(rawOutput, output);
        if (diff == 0) {
            return "0 (identical)";
        }
        return f("%.3g (%s)", diff, diff <= AGREE ? "agree" : "DIFFER");
    }

    private static void goal(PrintStream out, String what, String measured, boolean met) {
        out.println(f("  %-36s %12s   %s", what, measured, met ? "PASS" : "MISS"));
    }

    private static double mb(long bytes) {
        return bytes / 1e6;
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
