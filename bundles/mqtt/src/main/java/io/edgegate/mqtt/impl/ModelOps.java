package io.edgegate.mqtt.impl;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.mqtt.impl.Uploads.Upload;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException;

/**
 * {@code models/list}, {@code models/deploy}, {@code models/activate}, {@code models/rollback} and
 * {@code models/remove}. Everything goes through the model folder, as an operator's own hands would: a deployed
 * version is renamed into {@code models/<name>/<version>/} in one step, and the store verifies and installs it
 * exactly as one copied there; activation writes the model's version policy.
 */
final class ModelOps {
    private static final Logger LOG = LoggerFactory.getLogger(ModelOps.class);
    static final String DEPLOY = "models/deploy";
    /** Prefix of the folder a deployment is assembled in, beside the version folders; the store skips it. */
    static final String STAGING_PREFIX = ".mqtt-";

    private final Services services;
    private final Transfers transfers;
    private final ModelStates states;

    ModelOps(Services services, Transfers transfers, ModelStates states) {
        this.services = services;
        this.transfers = transfers;
        this.states = states;
    }

    Reply list(Request r) throws OpException {
        Body.parse("models/list", r.payload());
        ObjectNode o = Body.JSON.createObjectNode();
        o.set("models", states.list(null));
        return Reply.ok(o);
    }

    Reply deploy(Request r) throws OpException {
        if (Transfers.isChunk(r)) {
            return transfers.chunk(DEPLOY, r, this::install);
        }
        Body b = Body.parse(DEPLOY, r.payload(), "name", "version", "manifest");
        String name = b.name("name", Body.MODEL_NAME);
        long version = b.version("version");
        ObjectNode manifest = b.object("manifest");
        if (Files.exists(versionDir(name, version))) {
            throw onDisk(name, version);
        }
        return transfers.begin(DEPLOY, ArtifactType.MODEL, name, version, manifest);
    }

    /** The last chunk arrived: check the content, move it into the model folder, wait for it to load. */
    private Reply install(Upload u) throws OpException {
        ModelStore store = services.store();
        try {
            long length = Files.size(u.data());
            String sha256 = DurableFiles.sha256(u.data());
            if (length != u.length() || !sha256.equals(u.sha256())) {
                throw new OpException(403, DEPLOY + ": " + VerificationException.Reason.CONTENT_MISMATCH
                        + ": the uploaded content (" + length + " bytes, sha256 " + sha256 + ") is not what the "
                        + "manifest signs (" + u.length() + " bytes, sha256 " + u.sha256() + ")");
            }
            try {
                // time has passed since the begin: the manifest may have expired, or the version been taken
                services.verifier().check(ArtifactType.MODEL, u.name(), new ByteArrayInputStream(u.manifest()));
            } catch (VerificationException e) {
                throw OpException.refused(DEPLOY, e);
            }
            Path target = versionDir(u.name(), u.version());
            if (Files.exists(target)) {
                throw onDisk(u.name(), u.version());
            }
            Path modelDir = Files.createDirectories(store.root().resolve(u.name()));
            Path staging = modelDir.resolve(STAGING_PREFIX + u.id());
            sweepLeftovers(modelDir);
            DurableFiles.deleteTree(staging);
            Files.createDirectories(staging);
            Files.move(u.data(), staging.resolve(ModelStore.MODEL_FILE));
            DurableFiles.syncFile(staging.resolve(ModelStore.MODEL_FILE));
            DurableFiles.write(staging.resolve(ModelStore.MANIFEST_FILE), u.manifest());
            // one rename: the store never sees a half-written version
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.syncDirectory(modelDir);
        } catch (IOException e) {
            LOG.error("MQTT {}: cannot install model {} version {}: {}", DEPLOY, u.name(), u.version(), e.toString());
            throw new OpException(500, DEPLOY + ": cannot install the model: " + e.getMessage());
        }
        LOG.info("MQTT {}: model {} version {} written to {}", DEPLOY, u.name(), u.version(),
                versionDir(u.name(), u.version()));
        store.rescan();
        return Reply.ok(states.await(u.name(), u.version()));
    }

    Reply activate(Request r) throws OpException {
        Body b = Body.parse("models/activate", r.payload(), "name", "version");
        String name = b.name("name", Body.MODEL_NAME);
        return serve("models/activate", name, b.version("version"));
    }

    Reply rollback(Request r) throws OpException {
        String op = "models/rollback";
        Body b = Body.parse(op, r.payload(), "name", "version");
        String name = b.name("name", Body.MODEL_NAME);
        Long version = b.optionalVersion("version");
        if (version == null) {
            long serving = states.serving(name).orElseThrow(() -> new OpException(409, op + ": no version of model '"
                    + name + "' serves now; name the version to serve"));
            version = services.store().versions(name).stream()
                    .filter(v -> v.version() < serving && v.problem().isEmpty()).map(ModelVersion::version)
                    .max(Long::compare).orElseThrow(() -> new OpException(404, op + ": model '" + name
                            + "' has no installed version older than " + serving));
        }
        return serve(op, name, version);
    }

    /** Serves exactly {@code version}: the version policy {@code specific [version]} in the model's model.json. */
    private Reply serve(String op, String name, long version) throws OpException {
        ModelStore store = services.store();
        Optional<ModelVersion> v = store.version(name, version);
        if (v.isEmpty()) {
            throw new OpException(404, op + ": model '" + name + "' has no version " + version + " on disk");
        }
        if (v.get().problem().isPresent()) {
            throw new OpException(409, op + ": model '" + name + "' version " + version + " is not installed: "
                    + v.get().problem().get());
        }
        String policy = "{\"version_policy\": {\"specific\": {\"versions\": [" + version + "]}}}\n";
        try {
            DurableFiles.write(store.root().resolve(name).resolve(ModelStore.CONFIG_FILE),
                    policy.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new OpException(500, op + ": cannot write the version policy: " + e.getMessage());
        }
        LOG.info("MQTT {}: model {} now serves version {} only", op, name, version);
        store.rescan();
        ObjectNode settled = states.await(name, version);
        ObjectNode result = states.model(name);
        result.put("serving", version);
        result.set("state", settled.get("state"));
        if (settled.has("reason")) {
            result.set("reason", settled.get("reason"));
        }
        return Reply.ok(result);
    }

    Reply remove(Request r) throws OpException {
        String op = "models/remove";
        Body b = Body.parse(op, r.payload(), "name", "version", "force");
        String name = b.name("name", Body.MODEL_NAME);
        long version = b.version("version");
        boolean force = b.flag("force");
        ModelStore store = services.store();
        Path dir = versionDir(name, version);
        if (!Files.isDirectory(dir)) {
            throw new OpException(404, op + ": model '" + name + "' has no version " + version + " on disk");
        }
        List<Long> ready = services.inference().models().stream().filter(s -> s.name().equals(name) && s.isReady())
                .map(s -> s.version()).toList();
        if (!force && ready.equals(List.of(version))) {
            throw new OpException(409, op + ": version " + version + " is the only version of model '" + name
                    + "' that serves; activate another first, or remove it with \"force\": true");
        }
        try {
            // renamed away first, so the store never reads a half-deleted version
            Path doomed = dir.resolveSibling(STAGING_PREFIX + "removed-" + version + "-" + UUID.randomUUID());
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.syncDirectory(dir.getParent());
            DurableFiles.deleteTree(doomed);
        } catch (IOException e) {
            throw new OpException(500, op + ": cannot remove " + dir + ": " + e.getMessage());
        }
        LOG.info("MQTT {}: model {} version {} removed{}", op, name, version, force ? " (forced)" : "");
        store.rescan();
        return Reply.ok(states.model(name));
    }

    /** Deletes staging and removal folders that a crash left behind (an hour old: none is in use any more). */
    private static void sweepLeftovers(Path modelDir) {
        Instant limit = Instant.now().minus(Duration.ofHours(1));
        try (Stream<Path> entries = Files.list(modelDir)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(STAGING_PREFIX)).toList()) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(limit)) {
                    LOG.info("MQTT: deleting {}, left behind by an interrupted deploy or remove", p);
                    DurableFiles.deleteTree(p);
                }
            }
        } catch (IOException e) {
            LOG.warn("MQTT: cannot clean up {}: {}", modelDir, e.toString());
        }
    }

    private Path versionDir(String name, long version) throws OpException {
        return services.store().root().resolve(name).resolve(Long.toString(version));
    }

    private static OpException onDisk(String name, long version) {
        return new OpException(409, DEPLOY + ": model '" + name + "' version " + version + " is on disk already; a "
                + "signed version is never replaced: deploy a new version");
    }
}
