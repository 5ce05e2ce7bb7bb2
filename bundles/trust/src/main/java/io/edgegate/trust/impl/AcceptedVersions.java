package io.edgegate.trust.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * The replay defence's memory, {@code accepted.json}: the highest accepted version per {@code type/name}, and the
 * rollback directives already used (payload SHA-256 to the directive's expiry, dropped once expired, since an
 * expired directive is refused anyway). Written crash-safely; a file that cannot be read stops the gateway
 * rather than silently forgetting what was accepted.
 */
final class AcceptedVersions {
    static final String FILE = "accepted.json";
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT).build();

    private final Path file;
    private final Map<String, Long> highest = new TreeMap<>();
    private final Map<String, Instant> rollbacks = new TreeMap<>();

    private AcceptedVersions(Path file) {
        this.file = file;
    }

    static AcceptedVersions load(Path directory) throws VerificationException {
        AcceptedVersions v = new AcceptedVersions(directory.resolve(FILE));
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(v.file);
        } catch (NoSuchFileException e) {
            return v;
        } catch (IOException e) {
            throw new VerificationException(Reason.IO, "cannot read " + v.file + ": " + e.getMessage(), e);
        }
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (root == null || !root.isObject() || !root.path("versions").isObject()
                    || !root.path("rollbacks").isObject() || root.size() != 2) {
                throw new IOException("expected an object with 'versions' and 'rollbacks'");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("versions").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToLong()) {
                    throw new IOException("version of " + e.getKey() + " is not an integer");
                }
                v.highest.put(e.getKey(), e.getValue().longValue());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("rollbacks").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                v.rollbacks.put(e.getKey(), Instant.parse(e.getValue().asText()));
            }
        } catch (IOException | DateTimeParseException e) {
            throw new VerificationException(Reason.IO, v.file + " is corrupt (" + e.getMessage() + "); refusing to "
                    + "run without the record of accepted versions. Restore it, or delete it knowing that older "
                    + "versions could then be replayed.", e);
        }
        return v;
    }

    static String key(String type, String name) {
        return type + "/" + name;
    }

    /** The highest accepted version, 0 if none. */
    synchronized long highest(String key) {
        return highest.getOrDefault(key, 0L);
    }

    synchronized boolean rollbackUsed(String payloadSha256) {
        return rollbacks.containsKey(payloadSha256);
    }

    /**
     * Records {@code version} for {@code key} (the highest never goes down) and, for a rollback directive, its
     * payload digest; persisted before it takes effect in memory.
     */
    synchronized void record(String key, long version, String rollbackSha256, Instant rollbackExpires, Instant now)
            throws VerificationException {
        Map<String, Long> newHighest = new TreeMap<>(highest);
        newHighest.merge(key, version, Math::max);
        Map<String, Instant> newRollbacks = new TreeMap<>(rollbacks);
        newRollbacks.values().removeIf(expires -> !now.isBefore(expires));
        if (rollbackSha256 != null) {
            newRollbacks.put(rollbackSha256, rollbackExpires);
        }
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode versions = root.putObject("versions");
        newHighest.forEach(versions::put);
        ObjectNode used = root.putObject("rollbacks");
        newRollbacks.forEach((k, v) -> used.put(k, v.toString()));
        try {
            AtomicFiles.write(file, MAPPER.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new VerificationException(Reason.IO, "cannot write " + file + ": " + e.getMessage(), e);
        }
        highest.clear();
        highest.putAll(newHighest);
        rollbacks.clear();
        rollbacks.putAll(newRollbacks);
    }
}
