package io.edgegate.trust.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.function.Executable;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.format.Certificates;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;
import io.edgegate.trust.format.TrustRootPayload;

/** A gateway home in a temporary folder, with keys, a CA, a trust root and signed manifests. */
public final class Fixture {
    public static final String GATEWAY = "gw-0042";
    public static final String HARDWARE = "linux-x86_64";
    public static final Instant IN_A_MONTH = Instant.now().plus(Duration.ofDays(30));
    public static final Instant IN_TEN_YEARS = Instant.now().plus(Duration.ofDays(3650));

    public final Path home;
    public final Path rootFile;
    public final Path state;
    public final SigningKey k1 = SigningKey.generate();
    public final SigningKey k2 = SigningKey.generate();
    public final SigningKey k3 = SigningKey.generate();
    public final TestPki.Issued ca = TestPki.ca("CN=Edgegate Test CA");

    public Fixture(Path home) {
        this.home = home;
        this.rootFile = home.resolve("config/trust-root.json");
        this.state = home.resolve("data/trust");
    }

    /** Root 1: keys k1, k2, k3, threshold {@code threshold}, the CA pinned, signed by all three keys. */
    public Fixture withRoot(int threshold) throws IOException {
        installRoot(root(1, threshold, List.of(k1, k2, k3), List.of(ca.certificate()), IN_TEN_YEARS, k1, k2, k3));
        return this;
    }

    public void installRoot(byte[] envelope) throws IOException {
        Files.createDirectories(rootFile.getParent());
        Files.write(rootFile, envelope);
    }

    public static byte[] root(long version, int threshold, List<SigningKey> keys, List<X509Certificate> anchors,
            Instant expires, SigningKey... signers) {
        TrustRootPayload payload = new TrustRootPayload(version, threshold, keys.stream().map(SigningKey::rootKey)
                .toList(), anchors.stream().map(Certificates::toPem).toList(), expires);
        Envelope e = payload.toEnvelope();
        for (SigningKey k : signers) {
            e = e.signedEd25519(k.privateKey());
        }
        return e.toJson();
    }

    public io.edgegate.trust.impl.BouncyCastleArtifactVerifier verifier() throws VerificationException {
        return verifier(true);
    }

    public io.edgegate.trust.impl.BouncyCastleArtifactVerifier verifier(boolean enforce)
            throws VerificationException {
        return new io.edgegate.trust.impl.BouncyCastleArtifactVerifier(rootFile, state, GATEWAY, HARDWARE, enforce);
    }

    public static Manifest model(String name, long version, byte[] content) {
        return manifest(ArtifactType.MODEL, name, version, content, IN_A_MONTH, Targets.ANY, false);
    }

    public static Manifest manifest(ArtifactType type, String name, long version, byte[] content, Instant expires,
            Targets targets, boolean rollback) {
        return new Manifest(type, name, version, KeyIds.sha256Hex(content), content.length, expires, targets,
                rollback);
    }

    public static byte[] sign(Manifest m, SigningKey... keys) {
        Envelope e = m.toEnvelope();
        for (SigningKey k : keys) {
            e = e.signedEd25519(k.privateKey());
        }
        return e.toJson();
    }

    public static InputStream in(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    public static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    public List<Path> incomingFiles() throws IOException {
        Path incoming = state.resolve("incoming");
        if (!Files.isDirectory(incoming)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(incoming)) {
            return s.toList();
        }
    }

    /** Asserts that {@code call} is refused for {@code reason} with a message, and returns the refusal. */
    public static VerificationException refused(Reason reason, Executable call) {
        VerificationException e = assertThrows(VerificationException.class, call);
        assertEquals(reason, e.reason(), () -> "reason; message was: " + e.getMessage());
        assertNotNull(e.getMessage());
        assertFalse(e.getMessage().isBlank(), "a refusal says why");
        return e;
    }

    public static byte[] flip(byte[] b, int index) {
        byte[] c = Arrays.copyOf(b, b.length);
        c[index] ^= 0x01;
        return c;
    }
}
