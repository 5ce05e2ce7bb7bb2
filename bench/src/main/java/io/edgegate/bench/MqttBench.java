package io.edgegate.bench;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.embedded.EmbeddedHiveMQ;

/**
 * MQTT v5 benchmark (docs/mqtt.md). In one run, on this machine: all-MiniLM-L6-v2 INT8 (batch 1, 128 tokens,
 * 2 intra-op threads) through raw ONNX Runtime {@code session.run} in this JVM and through the assembled gateway
 * ({@code bin/edgegate} as a process) as an MQTT request/response round trip over a loopback broker (HiveMQ CE
 * embedded in this JVM) and, for comparison, OIP over HTTP, the three in alternating blocks; then the time to
 * deploy the 23 MB model over MQTT (signed, chunked, verified, loaded, serving).
 *
 * <p>Options ({@code --name=value}): {@code iterations} (500), {@code warmup} (50), {@code chunk} (chunk size in
 * KiB, 256), {@code dist} (the folder {@code distribution/target/edgegate-*} under the current directory).
 */
public final class MqttBench {
    private static final String GATEWAY = "bench-gw";
    private static final int BLOCK = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    private MqttBench() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = BenchSupport.intOption(args, "iterations", 500, 1);
        int warmup = BenchSupport.intOption(args, "warmup", 50, 0);
        int chunkKiB = BenchSupport.intOption(args, "chunk", 256, 1);
        Path dist = BenchSupport.distribution(BenchSupport.option(args, "dist", null));
        BenchSigner signer = BenchSigner.forDistribution(dist);
        String load = BenchSupport.loadAverage();
        BenchInput input = new BenchInput();
        byte[] body = input.oipBody();
        Path work = Files.createTempDirectory("edgegate-mqtt-bench");
        boolean keep = true;
        EmbeddedHiveMQ broker = null;
        Process mosquitto = null;
        String brokerName;
        try {
            int port = freePort();
            String which = BenchSupport.option(args, "broker", "auto");
            if (which.equals("mosquitto") || (which.equals("auto") && mosquittoInstalled())) {
                mosquitto = startMosquitto(work.resolve("mosquitto"), port);
                brokerName = "mosquitto (set_tcp_nodelay true)";
            } else {
                broker = startBroker(work.resolve("broker"), port);
                brokerName = "HiveMQ CE embedded in the bench JVM";
            }
            String uri = "tcp://127.0.0.1:" + port;
            Path home = work.resolve(dist.getFileName().toString());
            BenchSupport.copyTree(dist, home, "data");
            Files.writeString(home.resolve("config/io.edgegate.mqtt.cfg"),
                    "brokerUri=" + uri + "\ngatewayId=" + GATEWAY + "\n");
            Path model = BenchInput.writeModel(work.resolve("models"));
            byte[] modelBytes = Files.readAllBytes(model);
            Path tiny = TinyPath.write(home.resolve("models"));
            signer.sign(tiny, TinyPath.MODEL, 1);

            List<Latencies> lat;
            List<Latencies> small;
            double deploySeconds;
            double uploadSeconds;
            double maxDiff;
            try (GatewayProcess gateway = GatewayProcess.start(home, work.resolve("gateway.log"));
                    RawOrtPath raw = new RawOrtPath(model, input, ServingBench.INTRA_OP_THREADS,
                            ServingBench.INTER_OP_THREADS);
                    MqttPath mqtt = new MqttPath(uri)) {
                gateway.awaitFirstInference(body, Duration.ofSeconds(60));
                ServingPath overMqtt = awaitMqtt(mqtt, body);
                ServingPath overMqttBinary = mqtt.inference(GATEWAY, input.oipBinaryBody());
                float[] expected = raw.output();
                maxDiff = Math.max(BenchInput.maxAbsDiff(expected, overMqtt.output()),
                        BenchInput.maxAbsDiff(expected, overMqttBinary.output()));
                ServingPath http = gateway.path(body);
                ServingPath httpBinary = gateway.binaryPath(input.oipBinaryBody());
                maxDiff = Math.max(maxDiff, BenchInput.maxAbsDiff(expected, httpBinary.output()));
                System.err.printf(Locale.ROOT, "[bench] %d calls per path after %d warm-up calls...%n", iterations,
                        warmup);
                lat = ServingPath.measure(List.of("raw ONNX Runtime session.run", "MQTT v5, binary output",
                        "MQTT v5, JSON output", "HTTP OIP v2, binary output", "HTTP OIP v2, JSON output"),
                        List.of(raw, overMqttBinary, overMqtt, httpBinary, http), warmup, iterations, BLOCK);
                try (TinyPath tinyRaw = new TinyPath(tiny); MqttPath responder = new MqttPath(uri)) {
                    ServingPath tinyMqtt = mqtt.inference(GATEWAY, TinyPath.MODEL, TinyPath.BODY);
                    // the broker alone: a client in this JVM answers at once with a reply as large as the binary one
                    responder.echo("bench/echo", new byte[BenchInput.SEQUENCE * 384 * 4 + 200]);
                    byte[] request = input.oipBinaryBody();
                    ServingPath echo = () -> {
                        mqtt.request("bench/echo", request, "application/json", List.of()).ok();
                        return null;
                    };
                    small = ServingPath.measure(List.of("tiny model, raw ONNX Runtime", "tiny model, MQTT v5",
                            "broker echo of a 196 KB reply"), List.of(tinyRaw, tinyMqtt, echo), warmup, iterations,
                            BLOCK);
                }

                System.err.println("[bench] deploying the model as version 2 over MQTT...");
                long t0 = System.nanoTime();
                long uploaded = deploy(mqtt, modelBytes, signer.manifest(modelBytes, BenchInput.MODEL, 2),
                        chunkKiB * 1024);
                long t1 = System.nanoTime();
                uploadSeconds = (uploaded - t0) / 1e9;
                deploySeconds = (t1 - t0) / 1e9;
                gateway.stop(Duration.ofSeconds(30));
            }
            print(System.out, load, brokerName, iterations, warmup, lat, small, maxDiff, modelBytes.length, chunkKiB,
                    uploadSeconds, deploySeconds);
            keep = false;
        } finally {
            if (broker != null) {
                broker.stop().get(30, TimeUnit.SECONDS);
                broker.close();
            }
            if (mosquitto != null) {
                mosquitto.destroy();
                mosquitto.waitFor(10, TimeUnit.SECONDS);
            }
            if (keep) {
                System.err.println("Bench failed; its files (gateway.log among them) are kept in " + work);
            } else {
                BenchSupport.deleteTree(work);
            }
        }
    }

    private static boolean mosquittoInstalled() {
        return Files.isExecutable(Path.of("/usr/sbin/mosquitto"));
    }

    private static Process startMosquitto(Path folder, int port) throws Exception {
        Files.createDirectories(folder);
        Path conf = folder.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
                + "set_tcp_nodelay true\n");
        Process p = new ProcessBuilder("/usr/sbin/mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(folder.resolve("mosquitto.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return p;
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static EmbeddedHiveMQ startBroker(Path folder, int port) throws Exception {
        Files.createDirectories(folder.resolve("conf"));
        Files.createDirectories(folder.resolve("data"));
        Files.createDirectories(folder.resolve("extensions"));
        Files.writeString(folder.resolve("conf/config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners><tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
                  </listeners>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(port));
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder().withConfigurationFolder(folder.resolve("conf"))
                .withDataFolder(folder.resolve("data")).withExtensionsFolder(folder.resolve("extensions"))
                .withoutLoggingBootstrap().build();
        hivemq.start().get(60, TimeUnit.SECONDS);
        return hivemq;
    }

    /** Until the gateway answers over MQTT: it connects to the broker in the background. */
    private static ServingPath awaitMqtt(MqttPath mqtt, byte[] body) throws Exception {
        ServingPath path = mqtt.inference(GATEWAY, body);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                path.call();
                return path;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /**
     * Begin, chunks, and the final reply (version READY).
     *
     * @return when the last chunk was sent
     */
    private static long deploy(MqttPath mqtt, byte[] content, byte[] manifest, int chunk) throws Exception {
        String topic = "edgegate/" + GATEWAY + "/req/models/deploy";
        ObjectNode begin = JSON.createObjectNode();
        begin.put("name", BenchInput.MODEL).put("version", 2);
        begin.set("manifest", JSON.readTree(manifest));
        MqttPath.Reply r = mqtt.request(topic, JSON.writeValueAsBytes(begin), "application/json", List.of());
        JsonNode result = JSON.readTree(r.ok()).path("result");
        String upload = result.path("upload").asText();
        long offset = result.path("offset").asLong();
        long lastSent = System.nanoTime();
        while (offset < content.length) {
            int len = (int) Math.min(chunk, content.length - offset);
            byte[] part = Arrays.copyOfRange(content, (int) offset, (int) offset + len);
            lastSent = System.nanoTime();
            r = mqtt.request(topic, part, "application/octet-stream", List.of(new UserProperty("upload", upload),
                    new UserProperty("offset", Long.toString(offset))));
            if (r.status() != 202 && r.status() != 200) {
                throw new java.io.IOException("chunk at " + offset + ": " + r.status() + " "
                        + new String(r.payload(), StandardCharsets.UTF_8));
            }
            offset += len;
        }
        String state = JSON.readTree(r.ok()).path("result").path("state").asText();
        if (!"READY".equals(state)) {
            throw new java.io.IOException("the deployed version is " + state + ": "
                    + new String(r.payload(), StandardCharsets.UTF_8));
        }
        return lastSent;
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void print(PrintStream out, String load, String broker, int iterations, int warmup,
            List<Latencies> lat, List<Latencies> small, double maxDiff, long bytes, int chunkKiB, double upload,
            double deploy) {
        out.printf(Locale.ROOT, "%nEdgegate MQTT v5 bench: all-MiniLM-L6-v2 INT8, batch 1, %d tokens, %d intra-op "
                + "threads; %d calls per path after %d warm-up; broker: %s on loopback (load average before: %s)%n",
                BenchInput.SEQUENCE, ServingBench.INTRA_OP_THREADS, iterations, warmup, broker, load);
        out.printf(Locale.ROOT, "%-34s %9s %9s %9s%n", "path", "p50 ms", "p99 ms", "mean ms");
        for (Latencies l : lat) {
            out.printf(Locale.ROOT, "%-34s %9.2f %9.2f %9.2f%n", l.label(), l.p50(), l.p99(), l.meanMs());
        }
        Latencies raw = lat.get(0);
        for (Latencies mqtt : List.of(lat.get(1), lat.get(2))) {
            out.printf(Locale.ROOT, "%s: p50 - raw p50 %.2f ms (goal <= 1.5 ms); p99 - raw p99 %.2f ms; "
                    + "p50 ratio %.2f%n", mqtt.label(), mqtt.p50() - raw.p50(), mqtt.p99() - raw.p99(),
                    mqtt.p50() / raw.p50());
        }
        out.printf(Locale.ROOT, "outputs over MQTT and HTTP vs raw ONNX Runtime: max abs diff %.2e%n", maxDiff);
        for (Latencies l : small) {
            out.printf(Locale.ROOT, "%-34s %9.2f %9.2f %9.2f%n", l.label(), l.p50(), l.p99(), l.meanMs());
        }
        out.printf(Locale.ROOT, "tiny model: MQTT p50 - raw p50 %.2f ms (the protocol's own cost, without the 196 KB "
                + "output); moving a 196 KB reply through the broker alone: p50 %.2f ms%n",
                small.get(1).p50() - small.get(0).p50(), small.get(2).p50());
        out.printf(Locale.ROOT, "deploy over MQTT: %.1f MB in %d KiB chunks: upload %.2f s (%.1f MB/s), verified, "
                + "loaded and serving after %.2f s%n", bytes / 1e6, chunkKiB, upload, bytes / 1e6 / upload, deploy);
    }
}
