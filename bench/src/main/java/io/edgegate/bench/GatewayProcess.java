package io.edgegate.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The assembled distribution running as a child process, exactly as an operator starts it
 * ({@code bin/edgegate --port N}), and a keep-alive HTTP/1.1 client talking Open Inference Protocol v2 to it.
 */
final class GatewayProcess implements AutoCloseable {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 10;
    /** {@code : "${EDGEGATE_JAVA_OPTS:=-XX:+UseSerialGC ...}"} in bin/edgegate. */
    private static final Pattern DEFAULT_OPTS = Pattern.compile("EDGEGATE_JAVA_OPTS:=([^}\"]*)}");

    private final Process process;
    private final long startNanos;
    private final Path log;
    private final String base;
    private final URI ready;
    private final URI infer;
    // One client for the whole run: the JDK client keeps the HTTP/1.1 connection open between calls.
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private GatewayProcess(Process process, long startNanos, Path log, int port) {
        this.process = process;
        this.startNanos = startNanos;
        this.log = log;
        this.base = "http://127.0.0.1:" + port + "/v2";
        this.ready = URI.create(base + "/health/ready");
        this.infer = URI.create(base + "/models/" + BenchInput.MODEL + "/infer");
    }

    /** Starts {@code home/bin/edgegate} on a free port; its console output goes to {@code log}. */
    static GatewayProcess start(Path home, Path log) throws IOException {
        Path script = home.resolve("bin").resolve("edgegate");
        if (!Files.isExecutable(script)) {
            throw new IOException(script + " is missing or not executable; build the distribution first");
        }
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder(List.of(script.toString(), "--port", Integer.toString(port)))
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process process = builder.start();
        return new GatewayProcess(process, t0, log, port);
    }

    /**
     * The JVM options {@code bin/edgegate} starts the gateway with: {@code EDGEGATE_JAVA_OPTS} if set (the
     * gateway inherits this process's environment), else the defaults written in the script.
     */
    static List<String> javaOptions(Path home) throws IOException {
        String opts = System.getenv("EDGEGATE_JAVA_OPTS");
        if (opts == null) {
            Matcher m = DEFAULT_OPTS.matcher(Files.readString(home.resolve("bin").resolve("edgegate")));
            if (!m.find()) {
                throw new IOException("no default EDGEGATE_JAVA_OPTS in " + home.resolve("bin").resolve("edgegate"));
            }
            opts = m.group(1);
        }
        return opts.isBlank() ? List.of() : List.of(opts.trim().split("\\s+"));
    }

    private static int freePort() throws IOException {
        // Another process could take the port before the gateway binds it; the start-up then fails loudly.
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /**
     * Polls readiness, then posts {@code body} until an inference succeeds.
     *
     * @return seconds from process start to the first successful inference
     */
    double awaitFirstInference(byte[] body, Duration timeout) throws IOException, InterruptedException {
        long deadline = startNanos + timeout.toNanos();
        boolean isReady = false;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("gateway exited with code " + process.exitValue() + " during start-up; "
                        + "see " + log);
            }
            try {
                if (!isReady) {
                    isReady = send(HttpRequest.newBuilder(ready).GET()).statusCode() == 200;
                }
                if (isReady && post(body).statusCode() == 200) {
                    return (System.nanoTime() - startNanos) / 1e9;
                }
            } catch (IOException notListeningYet) {
                // Connection refused until Jetty is up: keep polling.
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new IOException("no successful inference within " + timeout.toSeconds() + " s; see " + log);
    }

    HttpResponse<byte[]> post(byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(infer)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** The inference endpoint of the bench model, for clients of their own. */
    URI inferUri() {
        return infer;
    }

    /** {@code GET /v2<path>}. */
    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** {@code POST /v2<path>} with a JSON body. */
    HttpResponse<byte[]> post(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * OIP over HTTP as a serving path. A timed call ends when the whole response body has arrived; decoding
     * the JSON into floats is the client's business and depends on its JSON library, so it is left out.
     */
    ServingPath path(byte[] body) {
        return new ServingPath() {
            @Override
            public void call() throws Exception {
                ok(post(body));
            }

            @Override
            public float[] output() throws Exception {
                return BenchInput.oipOutput(ok(post(body)));
            }
        };
    }

    /** OIP over HTTP asking for raw output bytes (the binary tensor data extension). */
    ServingPath binaryPath(byte[] body) {
        return new ServingPath() {
            @Override
            public void call() throws Exception {
                ok(post(body));
            }

            @Override
            public float[] output() throws Exception {
                HttpResponse<byte[]> r = post(body);
                int header = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length")
                        .orElseThrow(() -> new IOException("no Inference-Header-Content-Length in the response")));
                return BenchInput.binaryOutput(ok(r), header);
            }
        };
    }

    private static byte[] ok(HttpResponse<byte[]> response) throws IOException {
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + ": "
                    + new String(response.body(), 0, Math.min(500, response.body().length)));
        }
        return response.body();
    }

    /** Resident set size of the gateway JVM, from {@code /proc/<pid>/status}, in bytes. */
    long rssBytes() throws IOException {
        return BenchSupport.rssBytes(pid());
    }

    /**
     * Sends SIGTERM (what {@link Process#destroy()} does on Linux) and waits for the exit.
     *
     * @return the exit code, or {@code null} if the gateway had to be killed after {@code grace}
     */
    Integer stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        process.destroyForcibly().waitFor();
        return null;
    }

    /** Never leaves a gateway behind, whatever failed before {@link #stop}. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}
