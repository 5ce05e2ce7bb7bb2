package io.edgegate.bench;

import static io.edgegate.bench.BenchSupport.f;
import static io.edgegate.bench.BenchSupport.mb;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import ai.onnxruntime.OrtEnvironment;
import io.edgegate.bench.HttpLoad.Sample;

/** The figures of one swap bench run, printed as tables followed by the goals, each marked PASS or MISS. */
final class SwapReport {
    // The goals of the hot-swap issue (see bench/README.md).
    static final double SWAP_P99_OVER_STEADY = 1.5;
    static final double RSS_GROWTH_PERCENT = 10;
    private static final int SHOWN = 5;

    /** The requests of one phase. */
    record Phase(String label, List<Sample> samples) {
        long failures() {
            return samples.stream().filter(s -> !s.ok()).count();
        }

        Latencies latencies() {
            long[] nanos = samples.stream().filter(Sample::ok).mapToLong(s -> s.endNanos() - s.startNanos())
                    .toArray();
            return nanos.length == 0 ? null : new Latencies(label, nanos);
        }
    }

    final SwapBench.Settings settings;
    String loadBefore;
    String distribution;
    Latencies raw;
    Latencies rawAfter;
    double startSeconds;
    final List<Phase> phases = new ArrayList<>();
    Phase steady;
    Phase duringVersion;
    Phase duringProvider;
    final List<Swap> providerSwaps = new ArrayList<>();
    final List<Swap> versionSwaps = new ArrayList<>();
    /** How many of {@link #versionSwaps} ran under the full load; the rest ran under the light one. */
    int heavyVersionSwaps;
    long oldAnswersAfterNew;
    final List<String> incomplete = new ArrayList<>();
    final Map<String, MemoryProbe.Rss> rss = new LinkedHashMap<>();
    /** VmRSS of the raw session cycles, by cycle, and of the gateway under load, by version swap. */
    Map<Integer, Long> rawCycles = Map.of();
    List<String> rawJavaOptions = List.of();
    final Map<Integer, Long> gatewayTrend = new LinkedHashMap<>();
    int rssBaseSwaps;
    int rssEndSwaps;
    long decodedAnswers;
    List<String> finalIndex = List.of();
    List<String> gatewayProblems = List.of();
    String gatewayLog;
    /** {@code null} when the gateway ignored SIGTERM and was killed. */
    Integer exitCode;

    SwapReport(SwapBench.Settings settings) {
        this.settings = settings;
    }

    void print(PrintStream out) {
        SwapBench.Settings s = settings;
        out.println();
        out.println("Edgegate swap bench: " + BenchInput.MODEL + ", batch 1, " + BenchInput.SEQUENCE + " tokens, "
                + ServingBench.INTRA_OP_THREADS + " intra-op / " + ServingBench.INTER_OP_THREADS
                + " inter-op threads (the CPU provider's shipped settings)");
        out.println(f("%d CPU cores, Java %s, ONNX Runtime %s; load average (1/5/15 min) before the run: %s",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                OrtEnvironment.getEnvironment().getVersion(), loadBefore));
        out.println("gateway: a copy of " + distribution + " with scanIntervalMs=" + SwapBench.SCAN_INTERVAL_MS
                + " set in its config/io.edgegate.store.cfg (shipped: 1000), started as bin/edgegate --port N");
        out.println(f("load: %d HTTP/1.1 keep-alive clients posting without pause (one connection each); "
                + "%d s warm-up, %d s steady, then %d provider swaps (arena toggled in config/%s), then %d version "
                + "swaps, %.1f s apart, %d s steady again; then %d more version swaps under %d clients, back to back",
                s.threads(), s.warmupSeconds(), s.steadySeconds(), s.providerSwaps(), SwapDriver.CPU_CFG,
                s.versionSwaps(), s.gapMillis() / 1000.0, s.steadyAgainSeconds(), s.totalSwaps() - s.versionSwaps(),
                s.lightThreads()));
        out.println(f("raw ONNX Runtime: %d threads on one shared session, in the bench JVM while no gateway runs "
                + "(%d s before it starts, %d s after it stops)", s.threads(), s.rawSeconds(), s.rawAfterSeconds()));
        out.println("a request is 'during a swap' if it overlaps the swap's window: from the drop-in (version) or "
                + "the provider's restart (provider) until " + Swap.AFTER_SERVED.toSeconds() + " s after the new "
                + "session first served, or until the old one was closed if later");
        out.println();

        Latencies st = steady.latencies();
        out.println(f("%-44s %7s %5s %8s %8s %8s %8s %8s %8s %8s", "phase", "count", "fail", "p50 ms", "p99 ms",
                "mean ms", "p50/st", "p99/st", "p50/raw", "p99/raw"));
        row(out, raw.label(), raw, 0, st);
        for (Phase p : phases) {
            row(out, p.label(), p.latencies(), p.failures(), st);
        }
        if (rawAfter != null) {
            row(out, rawAfter.label(), rawAfter, 0, st);
        }
        out.println("(nearest-rank percentiles of the answered requests; 'st' is the steady row, 'raw' the first "
                + "raw row; fail counts every request with a non-200 status, an I/O error or a wrong or missing "
                + "output)");
        out.println();

        out.println(f("gateway start to first inference: %.2f s", startSeconds));
        out.println(f("failed requests: %d of %d", failures(), requests()));
        failureExamples(out);
        out.println(f("answers checked in full (not byte-identical to the first, which matched raw ONNX Runtime "
                + "within %.0e): %d", ResponseCheck.AGREE, decodedAnswers));
        out.println();

        out.println("version swaps (seconds)                       n     min  median     max");
        List<Swap> heavy = versionSwaps.subList(0, Math.min(heavyVersionSwaps, versionSwaps.size()));
        List<Swap> light = versionSwaps.subList(Math.min(heavyVersionSwaps, versionSwaps.size()), versionSwaps.size());
        spread(out, f("  drop-in -> first answer, %d clients", s.threads()), heavy, Swap::toServedSeconds);
        spread(out, f("  drop-in -> first answer, %d clients", s.lightThreads()), light, Swap::toServedSeconds);
        spread(out, "  drop-in -> old session closed, all", versionSwaps, Swap::toDrainedSeconds);
        out.println(f("  answers by the replaced version after the new one first answered: %d (requests that "
                + "had started on it)", oldAnswersAfterNew));
        out.println("provider swaps (seconds)");
        spread(out, "  file edited -> provider restarted", providerSwaps, Swap::toStartSeconds);
        spread(out, "  restarted -> model moved to new instance", providerSwaps, Swap::startToServedSeconds);
        spread(out, "  file edited -> old session closed", providerSwaps, Swap::toDrainedSeconds);
        for (String why : incomplete) {
            out.println("  INCOMPLETE: " + why);
        }
        out.println();

        out.println("gateway RSS (VmRSS of the gateway JVM after 3 s without requests; after a full GC asked for "
                + "with jcmd; at the end, after malloc_trim(0) called in it through gdb)");
        out.println(f("  %-44s %11s %11s %15s", "", "idle", "after GC", "after malloc_trim"));
        rss.forEach((when, r) -> out.println(f("  %-44s %8.1f MB %11s %15s", when, mb(r.idle()), megabytes(r.afterGc()),
                megabytes(r.afterTrim()))));
        out.println(f("  growth from %d to %d version swaps: %s idle, %s after GC", rssBaseSwaps, rssEndSwaps,
                growthText(false), growthText(true)));
        MemoryProbe.Rss end = rss.get(afterSwaps(rssEndSwaps));
        MemoryProbe.Rss base = rss.get(afterSwaps(rssBaseSwaps));
        if (end != null && base != null && end.afterTrim() > 0) {
            out.println(f("  malloc_trim(0) after %d swaps gave back %.1f MB of free memory the C allocator kept: "
                    + "%+.1f %% against the idle reading after %d", rssEndSwaps, mb(end.idle() - end.afterTrim()),
                    (end.afterTrim() - base.idle()) * 100.0 / base.idle(), rssBaseSwaps));
        }
        trend(out);
        out.println("final repository index: " + finalIndex);
        out.println(f("gateway WARN/ERROR log lines: %d", gatewayProblems.size()));
        gatewayProblems.stream().limit(SHOWN).forEach(l -> out.println("  " + l));
        out.println("gateway log: " + gatewayLog);
        out.println("gateway exit code after SIGTERM: " + (exitCode == null ? "none, killed after 30 s" : exitCode));
        out.println("(MB = 10^6 bytes)");
        out.println();

        out.println("goals");
        goal(out, "0 failed requests", Long.toString(failures()), failures() == 0);
        swapGoal(out, "version", duringVersion, st);
        swapGoal(out, "provider", duringProvider, st);
        double growth = growth(false);
        goal(out, f("RSS growth %d -> %d version swaps <= 10 %%", rssBaseSwaps, rssEndSwaps),
                Double.isNaN(growth) ? "n/a" : f("%+.1f %%", growth), growth <= RSS_GROWTH_PERCENT);
        out.println(f("  (raw ONNX Runtime, the same session cycles in a JVM of its own: %s)", rawGrowthText()));
        if (!incomplete.isEmpty()) {
            out.println("  (some swaps did not complete; see INCOMPLETE above)");
        }
        out.println("(informational only: the build never fails on these)");
    }

    /** The version swap counts at which memory is read: the end of the full load, then every so many swaps. */
    int[] checkpoints() {
        int step = Math.max(10, (settings.totalSwaps() / 10 + 9) / 10 * 10);
        java.util.TreeSet<Integer> at = new java.util.TreeSet<>(List.of(settings.versionSwaps(),
                settings.totalSwaps()));
        for (int c = step; c < settings.totalSwaps(); c += step) {
            at.add(c);
        }
        return at.stream().mapToInt(Integer::intValue).toArray();
    }

    private void trend(PrintStream out) {
        StringBuilder head = new StringBuilder(f("  %-44s", "RSS by version swaps (MB)"));
        StringBuilder gw = new StringBuilder(f("  %-44s", "  gateway, under load (not idle)"));
        StringBuilder rw = new StringBuilder(f("  %-44s", f("  raw ONNX Runtime session cycles, %d threads",
                settings.lightThreads())));
        for (int c : checkpoints()) {
            head.append(f(" %6d", c));
            Long g = gatewayTrend.get(c);
            Long r = rawCycles.get(c);
            gw.append(g == null ? f(" %6s", "-") : f(" %6.0f", mb(g)));
            rw.append(r == null ? f(" %6s", "-") : f(" %6.0f", mb(r)));
        }
        out.println(head);
        out.println(gw);
        out.println(rw);
        out.println(f("  (the raw cycles, before the gateway starts, in a JVM with the gateway's options %s: create a "
                + "session with the same settings, run it once, close the one it replaces, run it %d times on each of "
                + "%d pooled threads)", String.join(" ", rawJavaOptions), SwapBench.RAW_RUNS_PER_THREAD,
                settings.lightThreads()));
    }

    private String rawGrowthText() {
        Long a = rawCycles.get(rssBaseSwaps);
        Long b = rawCycles.get(rssEndSwaps);
        if (a == null || b == null) {
            return "n/a";
        }
        return f("%.1f MB after %d cycles, %.1f MB after %d, %+.1f %%", mb(a), rssBaseSwaps, mb(b), rssEndSwaps,
                (b - a) * 100.0 / a);
    }

    static String afterSwaps(int swaps) {
        return "after " + swaps + " version swaps";
    }

    private void row(PrintStream out, String label, Latencies l, long failures, Latencies st) {
        if (l == null) {
            out.println(f("%-44s %7d %5d   (no answered requests)", label, 0, failures));
            return;
        }
        out.println(f("%-44s %7d %5d %8.1f %8.1f %8.1f %8s %8s %8.2f %8.2f", label, l.count(), failures, l.p50(),
                l.p99(), l.meanMs(), st == null ? "-" : f("%.2f", l.p50() / st.p50()),
                st == null ? "-" : f("%.2f", l.p99() / st.p99()), l.p50() / raw.p50(), l.p99() / raw.p99()));
    }

    private void swapGoal(PrintStream out, String kind, Phase during, Latencies st) {
        Latencies l = during == null ? null : during.latencies();
        String what = f("p99 during %s swaps <= 1.5 x steady", kind);
        if (l == null || st == null) {
            goal(out, what, "n/a", false);
            return;
        }
        double ratio = l.p99() / st.p99();
        goal(out, what, f("%.2f x", ratio), ratio <= SWAP_P99_OVER_STEADY);
    }

    private long failures() {
        return phases.stream().mapToLong(Phase::failures).sum();
    }

    private long requests() {
        return phases.stream().mapToLong(p -> p.samples().size()).sum();
    }

    private void failureExamples(PrintStream out) {
        phases.stream().flatMap(p -> p.samples().stream().filter(x -> !x.ok()).map(x -> p.label() + ": "
                + x.failure())).distinct().limit(SHOWN).forEach(x -> out.println("  " + x));
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "-" : f("%.1f MB", mb(bytes));
    }

    private double growth(boolean afterGc) {
        MemoryProbe.Rss base = rss.get(afterSwaps(rssBaseSwaps));
        MemoryProbe.Rss end = rss.get(afterSwaps(rssEndSwaps));
        if (base == null || end == null) {
            return Double.NaN;
        }
        long a = afterGc ? base.afterGc() : base.idle();
        long b = afterGc ? end.afterGc() : end.idle();
        return a <= 0 || b <= 0 ? Double.NaN : (b - a) * 100.0 / a;
    }

    private String growthText(boolean afterGc) {
        double g = growth(afterGc);
        return Double.isNaN(g) ? "n/a" : f("%+.1f %%", g);
    }

    private static void spread(PrintStream out, String what, List<Swap> swaps, ToDoubleFunction<Swap> value) {
        if (swaps.isEmpty()) {
            out.println(f("%-44s %3d", what, 0));
            return;
        }
        double[] v = swaps.stream().mapToDouble(value).sorted().toArray();
        out.println(f("%-44s %3d %7.2f %7.2f %7.2f", what, v.length, v[0], median(v), v[v.length - 1]));
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void goal(PrintStream out, String what, String measured, boolean met) {
        out.println(f("  %-44s %12s   %s", what, measured, met ? "PASS" : "MISS"));
    }
}
