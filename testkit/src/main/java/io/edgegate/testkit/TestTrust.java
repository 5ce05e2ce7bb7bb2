package io.edgegate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.RootKey;
import io.edgegate.trust.format.Targets;
import io.edgegate.trust.format.TrustRootPayload;
import io.edgegate.trust.impl.BouncyCastleArtifactVerifier;

/**
 * A throwaway trust root for tests: one fresh Ed25519 key, root version 1 with threshold 1 written to
 * {@code <home>/config/trust-root.json}, and manifests signed with that key. Tests of anything that installs
 * models use it to sign what they install, exactly as an operator would with {@code edgectl sign}.
 */
public final class TestTrust {
    /** The gateway id that {@link #verifier()} answers to. */
    public static final String GATEWAY_ID = "test-gateway";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path home;
    private final byte[] privateKey;

    private TestTrust(Path home, byte[] privateKey) {
        this.home = home;
        this.privateKey = privateKey;
    }

    /** A new key and root 1 trusting it, written under {@code home}. */
    public static TestTrust create(Path home) {
        TestTrust trust = new TestTrust(home.toAbsolutePath(), Ed25519Keys.generatePrivateKey(RANDOM));
        trust.writeRoot();
        return trust;
    }

    /** A root for a key given as PKCS#8 PEM (for a test that signs inside another JVM or framework). */
    public static TestTrust withKey(Path home, String privateKeyPem) {
        try {
            TestTrust trust = new TestTrust(home.toAbsolutePath(), Ed25519Keys.privateKeyFromPem(privateKeyPem));
            trust.writeRoot();
            return trust;
        } catch (VerificationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private void writeRoot() {
        byte[] publicKey = Ed25519Keys.publicKey(privateKey);
        TrustRootPayload root = new TrustRootPayload(1, 1,
                List.of(new RootKey(KeyIds.ofEd25519(publicKey), publicKey)), List.of(),
                Instant.now().plus(Duration.ofDays(3650)));
        write(rootFile(), root.toEnvelope().signedEd25519(privateKey).toJson());
    }

    public Path home() {
        return home;
    }

    /** {@code <home>/config/trust-root.json}. */
    public Path rootFile() {
        return home.resolve("config").resolve("trust-root.json");
    }

    /** {@code <home>/data/trust}: the replay record and incoming copies. */
    public Path stateDirectory() {
        return home.resolve("data").resolve("trust");
    }

    /** The signing key as PKCS#8 PEM, as {@code edgectl keys generate} writes it. */
    public String privateKeyPem() {
        return Ed25519Keys.privateKeyToPem(privateKey);
    }

    /** An enforcing verifier over this root; a new instance reads the replay record again, like a restart. */
    public BouncyCastleArtifactVerifier verifier() {
        try {
            return new BouncyCastleArtifactVerifier(rootFile(), stateDirectory(), GATEWAY_ID, "any", true);
        } catch (VerificationException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A manifest envelope for {@code content}, valid for a month, signed by this root's key. */
    public byte[] manifest(ArtifactType type, String name, long version, byte[] content) {
        Manifest m = new Manifest(type, name, version, KeyIds.sha256Hex(content), content.length,
                Instant.now().plus(Duration.ofDays(30)), Targets.ANY, false);
        return sign(m.toEnvelope());
    }

    /** Signs any envelope with this root's key. */
    public byte[] sign(Envelope envelope) {
        return envelope.signedEd25519(privateKey).toJson();
    }

    /**
     * Writes {@code model.onnx.manifest.json} beside {@code <models>/<name>/<version>/model.onnx}, signing the
     * file as it is now.
     */
    public Path signModel(Path modelFile, String name, long version) {
        try {
            Path manifest = modelFile.resolveSibling(ModelStore.MANIFEST_FILE);
            write(manifest, manifest(ArtifactType.MODEL, name, version, Files.readAllBytes(modelFile)));
            return manifest;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Signs every {@code <name>/<version>/model.onnx} under {@code models} that has no manifest yet. */
    public void signAll(Path models) {
        if (!Files.isDirectory(models)) {
            return;
        }
        try (Stream<Path> files = Files.walk(models, 3)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals(ModelStore.MODEL_FILE)).toList()) {
                Path versionDir = f.getParent();
                String name = versionDir.getParent().getFileName().toString();
                if (Files.exists(versionDir.resolve(ModelStore.MANIFEST_FILE))
                        || !versionDir.getFileName().toString().matches("[1-9][0-9]{0,17}")
                        || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
                        || !models.equals(versionDir.getParent().getParent())) {
                    // not something the store would take as a version: leave it as the test made it
                    continue;
                }
                signModel(f, name, Long.parseLong(versionDir.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
