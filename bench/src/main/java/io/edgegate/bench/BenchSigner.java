package io.edgegate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;

/**
 * Signs the model versions a bench drops into a distribution with the development key its build made
 * ({@code distribution/target/dev-keys/dev.key}), which the distribution's trust root trusts: the gateway
 * verifies every version, as in production.
 */
final class BenchSigner {
    private final byte[] key;

    private BenchSigner(byte[] key) {
        this.key = key;
    }

    static BenchSigner forDistribution(Path dist) throws IOException {
        Path file = dist.toAbsolutePath().getParent().resolve("dev-keys").resolve("dev.key");
        if (!Files.isRegularFile(file)) {
            throw new IOException("no development key " + file + ": build the distribution first");
        }
        try {
            return new BenchSigner(Ed25519Keys.privateKeyFromPem(Files.readString(file)));
        } catch (VerificationException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code model.onnx.manifest.json} beside {@code modelFile}. */
    void sign(Path modelFile, String name, long version) throws IOException {
        Files.write(modelFile.resolveSibling(ModelStore.MANIFEST_FILE),
                manifest(Files.readAllBytes(modelFile), name, version));
    }

    /** The signed manifest envelope of a model version with these bytes. */
    byte[] manifest(byte[] bytes, String name, long version) {
        Manifest m = new Manifest(ArtifactType.MODEL, name, version, KeyIds.sha256Hex(bytes), bytes.length,
                Instant.now().plus(Duration.ofDays(1)), Targets.ANY, false);
        return m.toEnvelope().signedEd25519(key).toJson();
    }
}
