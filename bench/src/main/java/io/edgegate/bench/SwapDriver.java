package io.edgegate.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Swaps from outside the gateway process, the way an operator does: a new version folder dropped into
 * {@code models/} with an atomic rename, or an edit of the CPU provider's configuration file, and watches
 * the gateway (its answers, its repository index, its log) until the swap is complete.
 */
final class SwapDriver {
    static final String CPU_CFG = "io.edgegate.accelerator.cpu.cfg";
    // What the gateway logs when the CPU provider (re)starts or goes, and when a model moves to a new
    // provider instance (CpuAcceleratorProvider, OnnxInferenceService and Models in the bundles).
    private static final String PROVIDER_STARTED = "CPU accelerator: ";
    private static final String PROVIDER_GONE = "Accelerator provider cpu gone";
    private static final String MOVED = "moved from provider";
    private static final Pattern ARENA = Pattern.compile("(?m)^arena\\s*=\\s*(\\S*)\\s*$");
    /** How often the bench looks at what it has locally: the clients' answers, the gateway's log. */
    private static final long POLL_MILLIS = 10;
    /** How often it asks the gateway: rarely enough not to load it noticeably during a swap window. */
    private static final long ASK_MILLIS = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A swap that did not complete in time; the message says how far it got. */
    static final class SwapTimeout extends IOException {
        private static final long serialVersionUID = 1L;

        SwapTimeout(String message) {
            super(message);
        }
    }

    private final GatewayProcess gateway;
    private final GatewayLog log;
    private final Map<Long, Long> firstServed;
    private final Path modelDir;
    private final Path cpuConfig;
    private final Path staging;
    private final Path source;
    private final BenchSigner signer;
    private final Duration timeout;

    /**
     * @param home the gateway folder
     * @param staging an empty folder on the same file system as {@code home}, so that a rename into
     *        {@code models/} is atomic
     * @param source the model file every new version is a copy of
     * @param signer signs each new version, as the gateway installs only verified ones
     * @param firstServed the first right answer of each version, filled by the clients
     */
    SwapDriver(GatewayProcess gateway, GatewayLog log, Map<Long, Long> firstServed, Path home, Path staging,
            Path source, BenchSigner signer, Duration timeout) {
        this.signer = signer;
        this.gateway = gateway;
        this.log = log;
        this.firstServed = firstServed;
        this.modelDir = home.resolve("models").resolve(BenchInput.MODEL);
        this.cpuConfig = home.resolve("config").resolve(CPU_CFG);
        this.staging = staging;
        this.source = source;
        this.timeout = timeout;
    }

    /** The version {@code GET /v2/models/<m>} says serves. */
    long servingVersion() throws IOException, InterruptedException {
        return Long.parseLong(json(gateway.get("/models/" + BenchInput.MODEL)).path("version").asText());
    }

    /**
     * Copies the model into a new version folder outside {@code models/}, renames it into place, and waits
     * until a client is answered by it and the replaced version is gone from the repository index.
     */
    Swap dropIn(long version) throws IOException, InterruptedException {
        Path staged = staging.resolve(Long.toString(version));
        Files.createDirectories(staged);
        Files.copy(source, staged.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        signer.sign(staged.resolve("model.onnx"), BenchInput.MODEL, version);
        Files.move(staged, modelDir.resolve(Long.toString(version)), StandardCopyOption.ATOMIC_MOVE);
        long requested = System.nanoTime();
        long deadline = requested + timeout.toNanos();
        Long served;
        while ((served = firstServed.get(version)) == null) {
            waitOrFail(deadline, "version " + version + " dropped in, not answering yet");
        }
        long drained = awaitOnly(version, deadline);
        return new Swap(Swap.Kind.VERSION, version, requested, requested, served, drained);
    }

    /** Deletes the version folders below {@code keep}: versions that no longer serve. */
    void deleteBelow(long keep) throws IOException {
        List<Path> old = new ArrayList<>();
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(modelDir)) {
            for (Path p : versions) {
                String name = p.getFileName().toString();
                if (name.matches("[0-9]+") && Long.parseLong(name) < keep) {
                    old.add(p);
                }
            }
        }
        for (Path p : old) {
            BenchSupport.deleteTree(p);
        }
    }

    /** The arena setting in the CPU provider's file. */
    boolean arena() throws IOException {
        Matcher m = ARENA.matcher(Files.readString(cpuConfig, StandardCharsets.UTF_8));
        return !m.find() || Boolean.parseBoolean(m.group(1));
    }

    /**
     * Flips {@code arena} in the CPU provider's file (written beside and renamed over it, so Felix FileInstall
     * never reads half a file) and waits until the provider restarted, the model moved to the new instance,
     * and the session it replaced is gone from the repository index.
     */
    Swap toggleArena() throws IOException, InterruptedException {
        long version = servingVersion();
        int started = log.count(PROVIDER_STARTED);
        int gone = log.count(PROVIDER_GONE);
        int moved = log.count(MOVED);
        String text = Files.readString(cpuConfig, StandardCharsets.UTF_8);
        String flipped = "arena=" + !arena();
        Matcher m = ARENA.matcher(text);
        text = m.find() ? m.replaceFirst(flipped) : text + System.lineSeparator() + flipped + System.lineSeparator();
        Path next = staging.resolve(CPU_CFG + ".next");
        Files.writeString(next, text, StandardCharsets.UTF_8);
        Files.move(next, cpuConfig, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        long requested = System.nanoTime();
        long deadline = requested + timeout.toNanos();
        while (log.count(PROVIDER_STARTED) == started && log.count(PROVIDER_GONE) == gone) {
            waitOrFail(deadline, flipped + " written; the CPU provider has not restarted");
        }
        long start = System.nanoTime();
        while (log.count(MOVED) == moved) {
            waitOrFail(deadline, flipped + ": the CPU provider restarted; the model has not moved to it");
        }
        long served = System.nanoTime();
        long drained = awaitOnly(version, deadline);
        return new Swap(Swap.Kind.PROVIDER, version, requested, start, served, drained);
    }

    /** Waits until the index lists {@code version} alone, READY, and the model's metadata agrees. */
    private long awaitOnly(long version, long deadline) throws IOException, InterruptedException {
        while (true) {
            List<String> entries = index();
            if (entries.equals(List.of(version + " READY"))) {
                JsonNode model = json(gateway.get("/models/" + BenchInput.MODEL));
                if ("READY".equals(model.path("state").asText())
                        && Long.toString(version).equals(model.path("version").asText())) {
                    return System.nanoTime();
                }
            }
            waitOrFail(deadline, "waiting for version " + version + " alone READY; the index says " + entries,
                    ASK_MILLIS);
        }
    }

    /** The bench model's entries in {@code POST /v2/repository/index}, as "version STATE". */
    List<String> index() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (JsonNode e : json(gateway.post("/repository/index", "{}"))) {
            if (BenchInput.MODEL.equals(e.path("name").asText())) {
                out.add(e.path("version").asText() + " " + e.path("state").asText());
            }
        }
        return out;
    }

    private void waitOrFail(long deadline, String where) throws IOException, InterruptedException {
        waitOrFail(deadline, where, POLL_MILLIS);
    }

    private void waitOrFail(long deadline, String where, long millis) throws IOException, InterruptedException {
        if (!gateway.isAlive()) {
            throw new IOException("the gateway exited; see " + gateway.log());
        }
        if (System.nanoTime() > deadline) {
            throw new SwapTimeout("no progress in " + timeout.toSeconds() + " s: " + where);
        }
        Thread.sleep(millis);
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + ": " + ResponseCheck.snippet(response.body()));
        }
        return JSON.readTree(response.body());
    }
}
