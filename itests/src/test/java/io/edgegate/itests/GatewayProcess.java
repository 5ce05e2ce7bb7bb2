package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;

/**
 * The assembled distribution run as users run it, {@code bin/edgegate} as a process, in a gateway folder of the
 * test's own under {@code edgegate.itest.dir}: the distribution's config/ (with its trust root, which trusts the
 * build's development key) copied, bin/edgegate copied (the script takes the folder above bin/ as the gateway
 * folder), and lib/, bundles/ and features/ linked. Outside the framework only.
 */
final class GatewayProcess implements AutoCloseable {
    static final long TIMEOUT_MS = 30_000;

    final Path dist;
    final Path home;
    private final byte[] devKey;
    private Process process;
    private Path log;
    private Http http;

    /** A fresh gateway folder named {@code name}; nothing runs yet. */
    GatewayProcess(String name) throws Exception {
        dist = Path.of(System.getProperty("edgegate.dist")).toAbsolutePath().normalize();
        assertTrue("the distribution is built: " + dist, Files.isExecutable(dist.resolve("bin/edgegate")));
        Path keyFile = dist.resolveSibling("dev-keys").resolve("dev.key");
        assertTrue("the build's development key: " + keyFile, Files.isRegularFile(keyFile));
        devKey = Ed25519Keys.privateKeyFromPem(Files.readString(keyFile, StandardCharsets.US_ASCII));
        home = Path.of(System.getProperty("edgegate.itest.dir")).resolve(name).toAbsolutePath();
        TestGateway.deleteTree(home);
        Files.createDirectories(home.resolve("bin"));
        Files.copy(dist.resolve("bin/edgegate"), home.resolve("bin/edgegate"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(home.resolve("config"));
        try (Stream<Path> files = Files.list(dist.resolve("config"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, home.resolve("config").resolve(f.getFileName()));
            }
        }
        assertTrue("the distribution ships a trust root", Files.isRegularFile(home.resolve("config/trust-root.json")));
        // no broker unless the test configures one (config("io.edgegate.mqtt.cfg", ...))
        Files.writeString(home.resolve("config/io.edgegate.mqtt.cfg"), "enabled=false\n");
        for (String dir : List.of("lib", "bundles", "features")) {
            Files.createSymbolicLink(home.resolve(dir), dist.resolve(dir));
        }
        Files.createDirectories(home.resolve("models"));
    }

    Path models() {
        return home.resolve("models");
    }

    /** The development key's PKCS#8 PEM path, for edgectl. */
    Path devKeyFile() {
        return dist.resolveSibling("dev-keys").resolve("dev.key");
    }

    /** A manifest envelope for {@code content} signed with the build's development key, valid for a day. */
    byte[] manifest(ArtifactType type, String name, long version, byte[] content) {
        Manifest m = new Manifest(type, name, version, KeyIds.sha256Hex(content), content.length,
                Instant.now().plus(Duration.ofDays(1)), Targets.ANY, false);
        return m.toEnvelope().signedEd25519(devKey).toJson();
    }

    /** Writes the manifest of {@code models/<name>/<version>/model.onnx} as it is now, as edgectl sign does. */
    void sign(String name, long version) throws IOException {
        Path model = models().resolve(name).resolve(Long.toString(version)).resolve(ModelStore.MODEL_FILE);
        Files.write(model.resolveSibling(ModelStore.MANIFEST_FILE),
                manifest(ArtifactType.MODEL, name, version, Files.readAllBytes(model)));
    }

    /** Replaces or adds {@code config/<file>}. */
    void config(String file, String content) throws IOException {
        Files.writeString(home.resolve("config").resolve(file), content);
    }

    /** Starts {@code bin/edgegate} on a free port and waits until it is ready; {@code run} names its log. */
    void start(String run) throws Exception {
        int port = TestGateway.freePort();
        log = Files.createDirectories(home.resolve("logs")).resolve(run + ".log");
        process = new ProcessBuilder(home.resolve("bin/edgegate").toString(), "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        http = new Http(port);
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (true) {
            assertTrue("exited early (" + run + " start):\n" + logText(), process.isAlive());
            try {
                if (http.get("/v2/health/ready").status() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue("not ready in " + TIMEOUT_MS / 1000 + " s (" + run + " start):\n" + logText(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
    }

    Http http() {
        return http;
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /** SIGTERM: the gateway stops cleanly with exit code 0. */
    void stop() throws Exception {
        process.destroy();
        assertTrue("stopped within 30 s:\n" + logText(), process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(logText(), 0, process.exitValue());
        assertTrue(logText(), logText().contains("Edgegate stopped"));
    }

    /** SIGKILL: the gateway dies without any chance to clean up. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Polls the version's metadata until its state is {@code state}; returns that metadata. */
    JsonNode awaitState(String model, long version, String state) throws Exception {
        String path = "/v2/models/" + model + "/versions/" + version;
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        Http.Response last;
        while (true) {
            last = http.get(path);
            if (last.status() == 200 && state.equals(last.json().path("state").asText())) {
                return last.json();
            }
            assertTrue(path + " not " + state + " in " + TIMEOUT_MS / 1000 + " s, last answer " + last.status()
                    + " " + last.body() + "\n" + logText(), System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
    }

    /** Waits until the log has a line containing {@code text}. */
    void awaitLog(String text) throws InterruptedException {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!logText().contains(text)) {
            assertTrue("no '" + text + "' in the log in " + TIMEOUT_MS / 1000 + " s:\n" + logText(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
    }

    String logText() {
        try {
            return log == null ? "(no log)" : Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
