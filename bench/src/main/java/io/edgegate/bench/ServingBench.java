package io.edgegate.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Serving benchmark of the walking skeleton. In one run it measures all-MiniLM-L6-v2 INT8 (batch 1,
 * 128 tokens, 2 intra-op threads) through raw ONNX Runtime, the in-process InferenceService and OIP over
 * HTTP against the assembled distribution, and prints the figures with the goals they are held to.
 * The goals are reported, never enforced: timing depends on the machine.
 *
 * <p>Options ({@code --name=value}, or system property {@code bench.name}): {@code iterations} (500),
 * {@code warmup} (50), {@code dist} (the folder {@code distribution/target/edgegate-*} under the current
 * directory).
 */
public final class ServingBench {
    static final int INTRA_OP_THREADS = 2;
    static final int INTER_OP_THREADS = 1;
    /** Calls per path before the other path runs, when raw and in-process alternate. */
    private static final int BLOCK = 50;
    /** How long the gateway is left alone before its resident memory is read. */
    private static final Duration IDLE = Duration.ofSeconds(3);

    private ServingBench() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = Integer.parseInt(option(args, "iterations", "500"));
        int warmup = Integer.parseInt(option(args, "warmup", "50"));
        Path home = distribution(option(args, "dist", null));
        Path tarball = home.resolveSibling(home.getFileName() + ".tar.gz");
        if (iterations < 1 || warmup < 0) {
            throw new IllegalArgumentException("iterations must be at least 1 and warmup at least 0");
        }
        if (!Files.isRegularFile(tarball)) {
            throw new IOException("no " + tarball + " beside the gateway folder");
        }

        BenchInput input = new BenchInput();
        Report report = new Report(iterations, warmup);
        report.loadBefore = loadAverage();
        Path work = Files.createTempDirectory("edgegate-bench");
        boolean keepWork = true;
        try {
            Path model = BenchInput.writeModel(work.resolve("models"));
            measureInJvm(report, model, work.resolve("models"), input, iterations, warmup);
            measureGateway(report, home, work.resolve("gateway.log"), input, iterations, warmup);
            // Raw once more, with the gateway gone: shows how much the machine drifted over the run.
            try (RawOrtPath raw = new RawOrtPath(model, input, INTRA_OP_THREADS, INTER_OP_THREADS)) {
                report.rawAfter = ServingPath.measure(List.of("raw ONNX Runtime (after)"), List.of(raw),
                        warmup, iterations, iterations).get(0);
            }
            report.tarballBytes = Files.size(tarball);
            report.tarball = tarball.getFileName().toString();
            keepWork = false;
        } finally {
            if (keepWork) {
                System.err.println("Bench failed; its files (gateway.log among them) are kept in " + work);
            } else {
                deleteTree(work);
            }
        }
        report.print(System.out);
    }

    /** Raw ONNX Runtime and the in-process service, alternating, while no gateway runs. */
    private static void measureInJvm(Report report, Path model, Path modelsRoot, BenchInput input, int iterations,
            int warmup) throws Exception {
        try (RawOrtPath raw = new RawOrtPath(model, input, INTRA_OP_THREADS, INTER_OP_THREADS);
                InProcessPath inProcess = new InProcessPath(modelsRoot, input, INTRA_OP_THREADS,
                        INTER_OP_THREADS, Duration.ofSeconds(60))) {
            report.rawOutput = raw.output();
            report.inProcessOutput = inProcess.output();
            List<Latencies> both = ServingPath.measure(List.of("raw ONNX Runtime", "in-process service"),
                    List.of(raw, inProcess), warmup, iterations, BLOCK);
            report.raw = both.get(0);
            report.inProcess = both.get(1);
        }
    }

    /** Start-up, OIP over HTTP, idle memory and shutdown of the assembled distribution. */
    private static void measureGateway(Report report, Path home, Path log, BenchInput input, int iterations,
            int warmup) throws Exception {
        byte[] body = input.oipBody();
        try (GatewayProcess gateway = GatewayProcess.start(home, log)) {
            report.startSeconds = gateway.awaitFirstInference(body, Duration.ofSeconds(60));
            Thread.sleep(IDLE.toMillis());
            report.rssAfterStart = gateway.rssBytes();
            ServingPath http = gateway.path(body);
            report.httpOutput = http.output();
            report.http = ServingPath.measure(List.of("HTTP OIP v2 (keep-alive)"), List.of(http), warmup,
                    iterations, iterations).get(0);
            Thread.sleep(IDLE.toMillis());
            report.rssIdle = gateway.rssBytes();
            report.exitCode = gateway.stop(Duration.ofSeconds(30));
        }
    }

    /** {@code --name=value} from the arguments, else system property {@code bench.name}, else the default. */
    static String option(String[] args, String name, String defaultValue) {
        String prefix = "--" + name + "=";
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return arg.substring(prefix.length());
            }
        }
        return System.getProperty("bench." + name, defaultValue);
    }

    /** The given gateway folder, or the single {@code distribution/target/edgegate-*} folder. */
    private static Path distribution(String given) throws IOException {
        if (given != null) {
            return Path.of(given).toAbsolutePath();
        }
        Path target = Path.of("distribution", "target").toAbsolutePath();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> found = Files.newDirectoryStream(target,
                    p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("edgegate-")
                            && Files.isRegularFile(p.resolve("bin").resolve("edgegate")))) {
                for (Path p : found) {
                    return p;
                }
            }
        }
        throw new IOException("no assembled gateway under " + target + "; run from the repository root after "
                + "'mvn package -pl distribution -am', or pass --dist=DIR");
    }

    /**
     * The 1, 5 and 15 minute load averages: with other work on the machine the latencies mean little, and
     * this is how a reader of the output can tell.
     */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return String.join(" ", fields[0], fields[1], fields[2]);
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
