package io.edgegate.mqtt.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.CheckedManifest;

/**
 * Partial uploads in {@code data/mqtt/uploads/}: {@code <id>.part} holds the bytes received so far (its size is
 * the offset to resume from), {@code <id>.json} what the signed manifest promises. The id is derived from what
 * is signed (type, name, version, sha256, length), so beginning the same deploy again, after any interruption,
 * finds the same upload. Each chunk is synced before it is acknowledged. Uploads left alone for longer than the
 * expiry are deleted.
 */
final class Uploads {
    private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);
    static final Pattern ID = Pattern.compile("[0-9a-f]{32}");

    /** One upload; {@link #data()} grows chunk by chunk. */
    record Upload(String id, String operation, ArtifactType type, String name, long version, String sha256,
            long length, byte[] manifest, Path data) {
        /** The bytes held so far: where the next chunk goes. */
        long offset() throws IOException {
            try {
                return Files.size(data);
            } catch (NoSuchFileException e) {
                return 0;
            }
        }
    }

    private final Path directory;
    private final Duration expiry;
    private final Clock clock;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    Uploads(Path directory, Duration expiry, Clock clock) throws IOException {
        this.directory = directory;
        this.expiry = expiry;
        this.clock = clock;
        Files.createDirectories(directory);
        sweep();
    }

    /** The lock to hold while appending to or completing an upload. */
    Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    static String id(CheckedManifest m) {
        String signed = m.type().manifestName() + "\n" + m.name() + "\n" + m.version() + "\n" + m.sha256() + "\n"
                + m.length();
        return DurableFiles.sha256(signed.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    /**
     * Starts an upload, or finds the one begun before for the same signed artifact (the newest manifest and
     * operation are kept).
     */
    Upload begin(String operation, CheckedManifest m, byte[] manifest) throws IOException {
        sweep();
        String id = id(m);
        synchronized (lock(id)) {
            Upload u = new Upload(id, operation, m.type(), m.name(), m.version(), m.sha256(), m.length(), manifest,
                    directory.resolve(id + ".part"));
            ObjectNode meta = Body.JSON.createObjectNode();
            meta.put("operation", operation);
            meta.put("type", m.type().manifestName());
            meta.put("name", m.name());
            meta.put("version", m.version());
            meta.put("sha256", m.sha256());
            meta.put("length", m.length());
            meta.put("manifest", Base64.getEncoder().encodeToString(manifest));
            DurableFiles.write(directory.resolve(id + ".json"), Reply.bytes(meta));
            if (!Files.exists(u.data())) {
                Files.createFile(u.data());
                DurableFiles.syncDirectory(directory);
            }
            return u;
        }
    }

    /** The upload with this id, if it exists and is readable. */
    Optional<Upload> find(String id) {
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        Path meta = directory.resolve(id + ".json");
        if (!Files.isRegularFile(meta)) {
            return Optional.empty();
        }
        try {
            JsonNode n = Body.JSON.readTree(meta.toFile());
            return Optional.of(new Upload(id, n.path("operation").asText(),
                    ArtifactType.fromManifestName(n.path("type").asText()), n.path("name").asText(),
                    n.path("version").asLong(), n.path("sha256").asText(), n.path("length").asLong(),
                    Base64.getDecoder().decode(n.path("manifest").asText()), directory.resolve(id + ".part")));
        } catch (IOException | RuntimeException e) {
            LOG.warn("MQTT: upload {} is unreadable ({}); deleting it", id, e.toString());
            remove(id);
            return Optional.empty();
        }
    }

    /** Appends a chunk and syncs it; call with {@link #lock} held, at the upload's offset. */
    void append(Upload u, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(u.data(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        }
    }

    /** Deletes an upload's files (after it was installed or definitely refused). */
    void remove(String id) {
        for (String suffix : new String[] {".part", ".json"}) {
            try {
                Files.deleteIfExists(directory.resolve(id + suffix));
            } catch (IOException e) {
                LOG.warn("MQTT: cannot delete upload file {}{}: {}", id, suffix, e.toString());
            }
        }
        locks.remove(id);
    }

    /** Deletes uploads nobody touched within the expiry, and leftovers of interrupted writes. */
    void sweep() {
        Instant limit = clock.instant().minus(expiry);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory)) {
            for (Path f : ds) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(".tmp")) {
                    Files.deleteIfExists(f);
                    continue;
                }
                if (name.endsWith(".part") && !Files.exists(directory.resolve(name.replace(".part", ".json")))
                        && Files.getLastModifiedTime(f).toInstant().isBefore(limit)) {
                    Files.deleteIfExists(f);
                    continue;
                }
                if (!name.endsWith(".json")) {
                    continue;
                }
                String id = name.substring(0, name.length() - ".json".length());
                Path data = directory.resolve(id + ".part");
                Instant touched = Files.getLastModifiedTime(Files.exists(data) ? data : f).toInstant();
                if (touched.isBefore(limit)) {
                    LOG.info("MQTT: upload {} untouched since {}; deleting it", id, touched);
                    remove(id);
                }
            }
        } catch (IOException e) {
            LOG.warn("MQTT: cannot sweep {}: {}", directory, e.toString());
        }
    }
}
