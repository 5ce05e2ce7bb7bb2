package io.edgegate.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

import io.edgegate.bench.HttpLoad.Sample;

/**
 * Hot-swap benchmark: the same concurrent OIP v2 load on all-MiniLM-L6-v2 INT8 (batch 1, 128 tokens) against
 * the assembled gateway, steady and while model versions and accelerator provider instances are swapped
 * under it from outside the process; how long a dropped-in version takes to answer; whether memory grows
 * with swaps. Raw ONNX Runtime under the same concurrency, in this JVM while no gateway runs, is the
 * baseline. The goals are reported, never enforced.
 *
 * <p>Options ({@code --name=value}, or system property {@code bench.name}): {@code threads} (8),
 * {@code light-threads} (2), {@code warmup-seconds} (10), {@code steady-seconds} (20), {@code steady-again-seconds}
 * (10, steady load once more after the swaps under full load), {@code raw-seconds} (15),
 * {@code raw-after-seconds} (10), {@code provider-swaps} (10), {@code version-swaps} (10, under full load),
 * {@code total-swaps} (200 version swaps in all, the rest under the light load), {@code gap-millis} (1000,
 * between swaps under full load), {@code dist} (the folder {@code distribution/target/edgegate-*}).
 */
public final class SwapBench {
    static final int SCAN_INTERVAL_MS = 200;
    private static final String STORE_CFG = "io.edgegate.store.cfg";
    private static final Duration SWAP_TIMEOUT = Duration.ofSeconds(60);
    /** Runs per thread on each session of the raw session cycles: about what a session serves in the gateway. */
    static final int RAW_RUNS_PER_THREAD = 5;

    /** What to run; see the class comment. */
    record Settings(int threads, int lightThreads, int steadySeconds, int steadyAgainSeconds, int warmupSeconds,
            int rawSeconds, int rawAfterSeconds, int providerSwaps, int versionSwaps, int totalSwaps, int gapMillis,
            String dist) {

        static Settings parse(String[] args) {
            Settings s = new Settings(BenchSupport.intOption(args, "threads", 8, 1),
                    BenchSupport.intOption(args, "light-threads", 2, 1),
                    BenchSupport.intOption(args, "steady-seconds", 20, 1),
                    BenchSupport.intOption(args, "steady-again-seconds", 10, 0),
                    BenchSupport.intOption(args, "warmup-seconds", 10, 0),
                    BenchSupport.intOption(args, "raw-seconds", 15, 1),
                    BenchSupport.intOption(args, "raw-after-seconds", 10, 0),
                    BenchSupport.intOption(args, "provider-swaps", 10, 0),
                    BenchSupport.intOption(args, "version-swaps", 10, 1),
                    BenchSupport.intOption(args, "total-swaps", 200, 1),
                    BenchSupport.intOption(args, "gap-millis", 1000, 0),
                    BenchSupport.option(args, "dist", null));
            if (s.totalSwaps() < s.versionSwaps()) {
                throw new IllegalArgumentException("--total-swaps must be at least --version-swaps");
            }
            return s;
        }
    }

    private SwapBench() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        Path dist = BenchSupport.distribution(settings.dist());
        SwapReport report = new SwapReport(settings);
        report.loadBefore = BenchSupport.loadAverage();
        report.distribution = dist.toString();
        BenchInput input = new BenchInput();
        Path work = Files.createTempDirectory("edgegate-swap-bench");
        Path log = work.resolve("gateway.log");
        boolean keepWork = true;
        try {
            // A copy, so the bench never dirties the build output; data/ is the framework's cache, not needed.
            Path home = work.resolve(dist.getFileName().toString());
            BenchSupport.copyTree(dist, home, "data");
            setScanInterval(home.resolve("config").resolve(STORE_CFG));
            Path shipped = home.resolve("models").resolve(BenchInput.MODEL).resolve("1").resolve("model.onnx");
            if (!Files.isRegularFile(shipped)) {
                throw new IOException("the distribution ships no " + home.relativize(shipped));
            }
            Path source = Files.createDirectories(work.resolve("source")).resolve("model.onnx");
            Files.copy(shipped, source);
            Path staging = Files.createDirectories(work.resolve("staging"));

            progress("raw ONNX Runtime: %d threads for %d s", settings.threads(), settings.rawSeconds());
            float[] expected;
            // Closed before the gateway starts: nothing of ONNX Runtime works in this JVM while the gateway runs.
            try (RawOrtPath raw = new RawOrtPath(source, input, ServingBench.INTRA_OP_THREADS,
                    ServingBench.INTER_OP_THREADS)) {
                expected = raw.output();
                report.raw = ConcurrentRaw.measure(f("raw ONNX Runtime, %d threads", settings.threads()), raw,
                        settings.threads(), Duration.ofSeconds(3), Duration.ofSeconds(settings.rawSeconds()));
            }
            progress("raw ONNX Runtime: %d session cycles in a JVM of its own", settings.totalSwaps());
            report.rawJavaOptions = GatewayProcess.javaOptions(home);
            report.rawCycles = RawSessionCycles.measure(report.rawJavaOptions, source, settings.totalSwaps(),
                    settings.lightThreads(), RAW_RUNS_PER_THREAD, report.checkpoints());
            runGateway(report, home, staging, source, BenchSigner.forDistribution(dist), log, input,
                    new ResponseCheck(expected));
            if (settings.rawAfterSeconds() > 0) {
                // Once more with the gateway gone: shows how much the machine drifted over the run.
                try (RawOrtPath raw = new RawOrtPath(source, input, ServingBench.INTRA_OP_THREADS,
                        ServingBench.INTER_OP_THREADS)) {
                    report.rawAfter = ConcurrentRaw.measure(f("raw ONNX Runtime, %d threads (after)",
                            settings.threads()), raw, settings.threads(), Duration.ofSeconds(2),
                            Duration.ofSeconds(settings.rawAfterSeconds()));
                }
            }
            keepWork = false;
        } finally {
            report.gatewayLog = keepLog(log);
            if (keepWork) {
                System.err.println("Bench failed; its files are kept in " + work);
            } else {
                BenchSupport.deleteTree(work);
            }
        }
        report.print(System.out);
    }

    private static void runGateway(SwapReport report, Path home, Path staging, Path source, BenchSigner signer,
            Path logFile, BenchInput input, ResponseCheck check) throws Exception {
        Settings s = report.settings;
        byte[] body = input.oipBody();
        try (GatewayProcess gateway = GatewayProcess.start(home, logFile)) {
            report.startSeconds = gateway.awaitFirstInference(body, Duration.ofSeconds(60));
            HttpResponse<byte[]> first = gateway.post(body);
            ResponseCheck.Outcome firstOutcome = first.statusCode() == 200 ? check.check(first.body()) : null;
            if (firstOutcome == null || !firstOutcome.ok()) {
                throw new IOException("the first answer is wrong: " + (firstOutcome == null
                        ? "HTTP " + first.statusCode() : firstOutcome.failure()));
            }
            GatewayLog log = new GatewayLog(logFile);
            ConcurrentMap<Long, Long> firstServed = HttpLoad.firstServedMap();
            SwapDriver driver = new SwapDriver(gateway, log, firstServed, home, staging, source, signer,
                    SWAP_TIMEOUT);
            report.rss.put("after start", MemoryProbe.idle(gateway, false));
            HttpLoad load = new HttpLoad(gateway.inferUri(), body, check, firstServed);

            progress("steady load, %d clients: %d s warm-up, %d s measured", s.threads(), s.warmupSeconds(),
                    s.steadySeconds());
            load.start(s.threads());
            Thread.sleep(TimeUnit.SECONDS.toMillis(s.warmupSeconds()));
            long steadyFrom = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(s.steadySeconds()));
            long steadyTo = System.nanoTime();

            boolean ok = true;
            progress("%d provider swaps", s.providerSwaps());
            for (int i = 0; i < s.providerSwaps() && ok; i++) {
                ok = swap(report, () -> report.providerSwaps.add(driver.toggleArena()), "provider swap " + (i + 1));
                Thread.sleep(s.gapMillis());
            }
            progress("%d version swaps", s.versionSwaps());
            long version = driver.servingVersion();
            for (int i = 0; i < s.versionSwaps() && ok; i++) {
                ok = versionSwap(report, driver, gateway, ++version, i + 1);
                Thread.sleep(s.gapMillis());
            }
            report.heavyVersionSwaps = report.versionSwaps.size();
            long againFrom = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(s.steadyAgainSeconds()));
            long againTo = System.nanoTime();
            List<Sample> heavy = load.stop();
            report.rssBaseSwaps = report.versionSwaps.size();
            report.rss.put(SwapReport.afterSwaps(report.rssBaseSwaps), MemoryProbe.idle(gateway, false));

            progress("%d more version swaps under %d clients", s.totalSwaps() - s.versionSwaps(), s.lightThreads());
            load.start(s.lightThreads());
            for (int i = s.versionSwaps(); i < s.totalSwaps() && ok; i++) {
                ok = versionSwap(report, driver, gateway, ++version, i + 1);
            }
            List<Sample> light = load.stop();
            report.rssEndSwaps = report.versionSwaps.size();
            report.rss.put(SwapReport.afterSwaps(report.rssEndSwaps), MemoryProbe.idle(gateway, true));

            classify(report, heavy, light, new long[] {steadyFrom, steadyTo, againFrom, againTo});
            report.decodedAnswers = check.decodedCount();
            report.finalIndex = driver.index();
            report.gatewayProblems = log.problems();
            report.exitCode = gateway.stop(Duration.ofSeconds(30));
        }
    }

    /** Something that swaps and may time out. */
    private interface SwapStep {
        void run() throws IOException, InterruptedException;
    }

    /** Runs one swap; a swap that does not complete is reported and ends the swapping. */
    private static boolean swap(SwapReport report, SwapStep step, String what) throws Exception {
        try {
            step.run();
            return true;
        } catch (SwapDriver.SwapTimeout e) {
            report.incomplete.add(what + ": " + e.getMessage());
            System.err.println(what + " did not complete: " + e.getMessage());
            return false;
        }
    }

    private static boolean versionSwap(SwapReport report, SwapDriver driver, GatewayProcess gateway, long version,
            int number) throws Exception {
        return swap(report, () -> {
            report.versionSwaps.add(driver.dropIn(version));
            driver.deleteBelow(version - 1);
            if (Arrays.stream(report.checkpoints()).anyMatch(c -> c == number)) {
                report.gatewayTrend.put(number, gateway.rssBytes());
            }
            if (number % 50 == 0) {
                progress("  %d version swaps done", number);
            }
        }, "version swap " + number + " (to version " + version + ")");
    }

    /** Splits the requests into the phases they belong to. */
    private static void classify(SwapReport report, List<Sample> heavy, List<Sample> light, long[] steadyTimes) {
        Settings s = report.settings;
        long steadyFrom = steadyTimes[0];
        long steadyTo = steadyTimes[1];
        List<Sample> steady = new ArrayList<>();
        List<Sample> steadyAgain = new ArrayList<>();
        List<Sample> duringVersion = new ArrayList<>();
        List<Sample> duringProvider = new ArrayList<>();
        List<Sample> between = new ArrayList<>();
        List<Swap> heavySwaps = report.versionSwaps.subList(0, report.heavyVersionSwaps);
        for (Sample x : heavy) {
            if (x.startNanos() >= steadyFrom && x.startNanos() < steadyTo) {
                steady.add(x);
            } else if (x.startNanos() >= steadyTimes[2] && x.startNanos() < steadyTimes[3]) {
                steadyAgain.add(x);
            } else if (overlapsAny(x, report.providerSwaps)) {
                duringProvider.add(x);
            } else if (overlapsAny(x, heavySwaps)) {
                duringVersion.add(x);
            } else if (x.startNanos() >= steadyTo) {
                between.add(x);
            } // else: warm-up, not reported
        }
        report.steady = new SwapReport.Phase(f("HTTP steady, %d clients", s.threads()), steady);
        report.duringProvider = new SwapReport.Phase(f("HTTP during provider swaps, %d clients", s.threads()),
                duringProvider);
        report.duringVersion = new SwapReport.Phase(f("HTTP during version swaps, %d clients", s.threads()),
                duringVersion);
        report.phases.add(report.steady);
        report.phases.add(report.duringVersion);
        report.phases.add(report.duringProvider);
        report.phases.add(new SwapReport.Phase(f("HTTP between swaps, %d clients", s.threads()), between));
        if (!steadyAgain.isEmpty()) {
            report.phases.add(new SwapReport.Phase(f("HTTP steady after the swaps, %d clients", s.threads()),
                    steadyAgain));
        }
        report.phases.add(new SwapReport.Phase(f("HTTP %d clients, version swaps %d-%d", s.lightThreads(),
                report.heavyVersionSwaps + 1, report.versionSwaps.size()), light));

        List<Sample> all = new ArrayList<>(heavy);
        all.addAll(light);
        for (Swap swap : report.versionSwaps) {
            for (Sample x : all) {
                if (x.ok() && x.version() == swap.version() - 1 && x.endNanos() > swap.servedNanos()) {
                    report.oldAnswersAfterNew++;
                }
            }
        }
    }

    private static boolean overlapsAny(Sample x, List<Swap> swaps) {
        for (Swap w : swaps) {
            if (x.overlaps(w.windowStart(), w.windowEnd())) {
                return true;
            }
        }
        return false;
    }

    /** Sets the store's scan interval in the copy's configuration, replacing the shipped value. */
    private static void setScanInterval(Path storeCfg) throws IOException {
        String text = Files.readString(storeCfg, StandardCharsets.UTF_8);
        String line = "scanIntervalMs=" + SCAN_INTERVAL_MS;
        String changed = text.replaceAll("(?m)^scanIntervalMs\\s*=.*$", line);
        if (changed.equals(text) && !text.contains(line)) {
            changed = text + System.lineSeparator() + line + System.lineSeparator();
        }
        Files.writeString(storeCfg, changed, StandardCharsets.UTF_8);
    }

    /** Keeps the gateway's log under bench/target when run from the repository root. */
    private static String keepLog(Path log) {
        Path target = Path.of("bench", "target");
        if (!Files.isRegularFile(log)) {
            return "none";
        }
        if (!Files.isDirectory(target)) {
            return log.toString();
        }
        try {
            Path kept = target.resolve("swap-bench-gateway.log");
            Files.copy(log, kept, StandardCopyOption.REPLACE_EXISTING);
            return kept.toString();
        } catch (IOException e) {
            return log + " (not copied: " + e.getMessage() + ")";
        }
    }

    private static void progress(String format, Object... args) {
        System.err.println("[swap bench] " + f(format, args));
    }

    private static String f(String format, Object... args) {
        return BenchSupport.f(format, args);
    }
}
