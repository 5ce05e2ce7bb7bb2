package io.edgegate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
        int iterations = Integer.parseInt(BenchSupport.option(args, "iterations", "500"));
        int warmup = Integer.parseInt(BenchSupport.option(args, "warmup", "50"));
        Path home = BenchSupport.distribution(BenchSupport.option(args, "dist", null));
        Path tarball = home.resolveSibling(home.getFileName() + ".tar.gz");
        if (iterations < 1 || warmup < 0) {
            throw new IllegalArgumentException("iterations must be at least 1 and warmup at least 0");
        }
        if (!Files.isRegularFile(tarball)) {
            throw new IOException("no " + tarball + " beside the gateway folder");
        }

        BenchInput input = new BenchInput();
        Report report = new Report(iterations, warmup);
        report.loadBefore = BenchSupport.loadAverage();
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
                BenchSupport.deleteTree(work);
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
}
