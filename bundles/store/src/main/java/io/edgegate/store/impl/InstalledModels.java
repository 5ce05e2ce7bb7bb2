package io.edgegate.store.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerifiedArtifact;

/**
 * The gateway's own, verified copies of model versions: {@code <directory>/<name>/<version>/<sha256>.onnx}.
 * A version found in the repository is verified once against its signed manifest; the private copy the verifier
 * wrote while checking is moved here and is what gets loaded, so a file changed in the repository after the check
 * is never served. A copy already here for the same content is reused (after re-hashing it) without a second
 * verification: it was accepted before, and the replay record would rightly refuse its version a second time.
 */
final class InstalledModels {
    private static final Logger LOG = LoggerFactory.getLogger(InstalledModels.class);
    private static final String SUFFIX = ".onnx";
    /** A copy passed through in development mode: never reused once verification is enforced again. */
    private static final String UNVERIFIED_SUFFIX = ".unverified.onnx";

    /** Why a version was not installed; the message is what operators see as the version's problem. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private final Path directory;
    private final ArtifactVerifier verifier;

    InstalledModels(Path directory, ArtifactVerifier verifier) throws IOException {
        this.directory = directory.toAbsolutePath().normalize();
        this.verifier = verifier;
        Files.createDirectories(this.directory);
    }

    Path directory() {
        return directory;
    }

    /**
     * Installs the version in {@code versionDir} (whose model file hashed to {@code sha256}) unless a verified copy
     * of exactly that content is installed already.
     *
     * @return the verified copy to load
     * @throws Refused if the manifest is missing or does not verify; nothing is installed then
     */
    synchronized Path install(String name, long version, Path versionDir, String sha256)
            throws Refused, IOException {
        Path slot = slot(name, version);
        for (Path existing : verifier.enforcing() ? List.of(slot.resolve(sha256 + SUFFIX))
                : List.of(slot.resolve(sha256 + SUFFIX), slot.resolve(sha256 + UNVERIFIED_SUFFIX))) {
            if (Files.isRegularFile(existing)) {
                if (sha256.equals(FileSystemModelStore.sha256(existing))) {
                    if (existing.getFileName().toString().endsWith(UNVERIFIED_SUFFIX)) {
                        LOG.warn("Model {} version {} is served UNVERIFIED from {}: development mode "
                                + "(trust enforce=false)", name, version, existing);
                    }
                    return existing;
                }
                LOG.warn("Installed copy {} no longer matches its hash; verifying model {} version {} again",
                        existing, name, version);
                Files.delete(existing);
            }
        }
        Path manifest = versionDir.resolve(ModelStore.MANIFEST_FILE);
        boolean hasManifest = Files.isRegularFile(manifest);
        if (!hasManifest && verifier.enforcing()) {
            throw new Refused("UNSIGNED: no " + ModelStore.MANIFEST_FILE + " beside " + ModelStore.MODEL_FILE
                    + " (sign the model with 'edgectl sign', see docs/signing.md)");
        }
        boolean replacing = Files.isDirectory(slot) && !listEmpty(slot);
        VerifiedArtifact artifact;
        try (InputStream m = hasManifest ? Files.newInputStream(manifest) : InputStream.nullInputStream();
                InputStream content = Files.newInputStream(versionDir.resolve(ModelStore.MODEL_FILE))) {
            artifact = verifier.verify(ArtifactType.MODEL, name, m, content);
        } catch (VerificationException e) {
            if (replacing && e.reason() == VerificationException.Reason.REPLAYED) {
                throw new Refused("REPLAYED: the content of version " + version + " changed since it was installed;"
                        + " a signed version is never replaced: publish it as a new version (" + e.getMessage()
                        + ")");
            }
            throw new Refused(e.reason() + ": " + e.getMessage());
        }
        boolean verified = !artifact.signers().isEmpty();
        Path target = slot.resolve(artifact.sha256() + (verified ? SUFFIX : UNVERIFIED_SUFFIX));
        try {
            if (verifier.enforcing() && artifact.version() != version) {
                throw new Refused("WRONG_ARTIFACT: the manifest signs version " + artifact.version()
                        + " but the model is in folder " + version);
            }
            Files.createDirectories(slot);
            force(artifact.file());
            try {
                Files.move(artifact.file(), target, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // incoming/ on another file system: copy, then make the copy durable before it counts
                Path part = Files.createTempFile(slot, "install", ".part");
                Files.copy(artifact.file(), part, StandardCopyOption.REPLACE_EXISTING);
                force(part);
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(slot);
            verifier.accept(artifact);
        } catch (VerificationException e) {
            Files.deleteIfExists(target);
            throw new Refused(e.reason() + ": " + e.getMessage());
        } catch (IOException | RuntimeException | Refused e) {
            Files.deleteIfExists(target);
            throw e;
        } finally {
            Files.deleteIfExists(artifact.file());
        }
        removeOthers(slot, target);
        if (verified) {
            LOG.info("Model {} version {} verified (signed by {}) and installed as {}", name, version,
                    artifact.signers(), target);
        } else {
            LOG.warn("Model {} version {} installed UNVERIFIED as {}: development mode (trust enforce=false)", name,
                    version, target);
        }
        return target;
    }

    /** Forgets a version that left the repository. */
    synchronized void remove(String name, long version) {
        deleteTree(slot(name, version));
        Path model = directory.resolve(name);
        try (Stream<Path> s = Files.list(model)) {
            if (s.findAny().isEmpty()) {
                Files.delete(model);
            }
        } catch (IOException e) {
            // not empty, or gone already
        }
    }

    /** Deletes installed copies of versions no longer in the repository ({@code "name/version"} keys). */
    synchronized void retainOnly(Set<String> present) throws IOException {
        try (DirectoryStream<Path> models = Files.newDirectoryStream(directory)) {
            for (Path model : models) {
                if (!Files.isDirectory(model)) {
                    continue;
                }
                try (DirectoryStream<Path> versions = Files.newDirectoryStream(model)) {
                    for (Path v : versions) {
                        if (!present.contains(model.getFileName() + "/" + v.getFileName())) {
                            deleteTree(v);
                        }
                    }
                }
                try (Stream<Path> s = Files.list(model)) {
                    if (s.findAny().isEmpty()) {
                        Files.delete(model);
                    }
                }
            }
        }
    }

    private static boolean listEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private Path slot(String name, long version) {
        // name and version were checked against [A-Za-z0-9][A-Za-z0-9._-]* and digits by the scanner
        return directory.resolve(name).resolve(Long.toString(version));
    }

    /** Deletes every other copy, and the variants made of them (their keys name content that is gone). */
    private static void removeOthers(Path slot, Path keep) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(slot)) {
            for (Path p : ds) {
                if (!p.equals(keep)) {
                    if (Files.isDirectory(p)) {
                        deleteTree(p);
                    } else {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory; the rename is still atomic
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", dir, e.toString());
        }
    }
}
