package io.edgegate.mqtt.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Idempotency (docs/mqtt.md): the replies to requests with correlation data, by request topic and correlation
 * data, the last {@code maxEntries} for {@code ttl}. A request that is still running is claimed once; a repeat
 * gets the same reply when it is done, so nothing runs twice. Replies of operations that changed something are
 * also written to {@code replies/} (temporary file, fsync, rename), bounded the same way, so that a retry after a
 * restart is recognised too.
 */
final class ReplyCache {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyCache.class);
    private static final String SUFFIX = ".json";

    /** What {@link #claim} found. */
    sealed interface Claim permits Remembered, Running, Mine {
    }

    /** Answered before: send this again. */
    record Remembered(Reply reply) implements Claim {
    }

    /** Running now: its reply completes the future. */
    record Running(CompletableFuture<Reply> reply) implements Claim {
    }

    /** New: the caller runs it and must call {@link #complete} or {@link #release} once. */
    record Mine() implements Claim {
    }

    private record Entry(Reply reply, Instant at) {
    }

    private final Path directory;
    private final int maxEntries;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Entry> replies;
    private final Map<String, CompletableFuture<Reply>> running = new HashMap<>();
    /** Files on disk by key, oldest first. */
    private final LinkedHashMap<String, Path> persisted = new LinkedHashMap<>();

    ReplyCache(Path directory, int maxEntries, Duration ttl, Clock clock) throws IOException {
        this.directory = directory;
        this.maxEntries = maxEntries;
        this.ttl = ttl;
        this.clock = clock;
        this.replies = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > ReplyCache.this.maxEntries;
            }
        };
        Files.createDirectories(directory);
        load();
    }

    synchronized Claim claim(String key) {
        Entry e = replies.get(key);
        if (e != null) {
            if (!expired(e.at())) {
                return new Remembered(e.reply());
            }
            replies.remove(key);
        }
        CompletableFuture<Reply> f = running.get(key);
        if (f != null) {
            return new Running(f);
        }
        running.put(key, new CompletableFuture<>());
        return new Mine();
    }

    /**
     * Remembers the reply to a claimed request and hands it to repeats that waited.
     *
     * @param persist also keep it on disk (it changed something)
     */
    void complete(String key, Reply reply, boolean persist) {
        if (persist) {
            persist(key, reply);
        }
        CompletableFuture<Reply> f;
        synchronized (this) {
            replies.put(key, new Entry(reply, clock.instant()));
            f = running.remove(key);
        }
        if (f != null) {
            f.complete(reply);
        }
    }

    /** Hands a reply that must not be remembered (503: try again) to the repeats that waited, and forgets the key. */
    void release(String key, Reply reply) {
        CompletableFuture<Reply> f;
        synchronized (this) {
            f = running.remove(key);
        }
        if (f != null) {
            f.complete(reply);
        }
    }

    synchronized int size() {
        return replies.size();
    }

    private boolean expired(Instant at) {
        return !at.plus(ttl).isAfter(clock.instant());
    }

    private void persist(String key, Reply reply) {
        ObjectNode o = Body.JSON.createObjectNode();
        Instant now = clock.instant();
        o.put("key", key);
        o.put("at", now.toString());
        o.put("status", reply.status());
        o.put("body", Base64.getEncoder().encodeToString(reply.body()));
        Path file = directory.resolve(DurableFiles.sha256(key.getBytes(StandardCharsets.UTF_8))
                + SUFFIX);
        try {
            DurableFiles.write(file, Reply.bytes(o));
        } catch (IOException e) {
            // the reply is still remembered in memory; only a restart would forget it
            LOG.warn("MQTT: cannot keep the reply to {} on disk: {}", key.replace('\n', ' '), e.toString());
            return;
        }
        List<Path> drop = new ArrayList<>();
        synchronized (persisted) {
            persisted.remove(key);
            persisted.put(key, file);
            for (Iterator<Path> it = persisted.values().iterator(); it.hasNext() && persisted.size() > maxEntries;) {
                drop.add(it.next());
                it.remove();
            }
        }
        for (Path p : drop) {
            deleteQuietly(p);
        }
    }

    /** Reads the replies kept on disk, oldest first; expired and surplus ones are deleted. */
    private void load() throws IOException {
        record Stored(String key, Reply reply, Instant at, Path file) {
        }
        List<Stored> stored = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path f : ds) {
                try {
                    JsonNode n = Body.JSON.readTree(f.toFile());
                    Instant at = Instant.parse(n.path("at").asText());
                    Reply r = new Reply(n.path("status").asInt(), Base64.getDecoder().decode(n.path("body").asText()));
                    if (!n.path("key").isTextual() || expired(at)) {
                        deleteQuietly(f);
                        continue;
                    }
                    stored.add(new Stored(n.path("key").asText(), r, at, f));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("MQTT: ignoring unreadable remembered reply {}: {}", f, e.toString());
                    deleteQuietly(f);
                }
            }
        }
        stored.sort(Comparator.comparing(Stored::at));
        while (stored.size() > maxEntries) {
            deleteQuietly(stored.remove(0).file());
        }
        for (Stored s : stored) {
            replies.put(s.key(), new Entry(s.reply(), s.at()));
            persisted.put(s.key(), s.file());
        }
        if (!stored.isEmpty()) {
            LOG.info("MQTT: {} remembered repl(y/ies) of earlier operations loaded from {}", stored.size(),
                    directory);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("MQTT: cannot delete {}: {}", p, e.toString());
        }
    }
}
