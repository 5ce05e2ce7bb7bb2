package io.edgegate.trust.impl;

import static io.edgegate.trust.testing.Fixture.in;
import static io.edgegate.trust.testing.Fixture.model;
import static io.edgegate.trust.testing.Fixture.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.CheckedManifest;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.testing.Fixture;

/** check(): every refusal that needs no content happens before any content is read, nothing is kept. */
class CheckManifestTest {
    private static final byte[] A = Fixture.bytes(3_000, 7);

    @TempDir
    Path home;
    Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(home).withRoot(1);
    }

    private Reason reason(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(VerificationException.class, e).reason();
    }

    @Test
    void aGoodManifestTellsLengthDigestAndSigners() throws Exception {
        CheckedManifest m = f.verifier().check(ArtifactType.MODEL, "m", in(sign(model("m", 4, A), f.k1)));
        assertEquals(4, m.version());
        assertEquals(A.length, m.length());
        assertEquals(io.edgegate.trust.format.KeyIds.sha256Hex(A), m.sha256());
        assertEquals(java.util.List.of(f.k1.keyid()), m.signers());
        assertTrue(f.incomingFiles().isEmpty(), "nothing is written");
    }

    @Test
    void everyContentFreeRefusalHappensAtCheck() throws Exception {
        var v = f.verifier();
        assertEquals(Reason.UNSIGNED, reason(() -> v.check(ArtifactType.MODEL, "m", in(model("m", 1, A).toEnvelope()
                .toJson()))));
        assertEquals(Reason.UNTRUSTED_KEY, reason(() -> v.check(ArtifactType.MODEL, "m",
                in(sign(model("m", 1, A), io.edgegate.trust.testing.SigningKey.generate())))));
        assertEquals(Reason.WRONG_ARTIFACT, reason(() -> v.check(ArtifactType.BUNDLE, "m",
                in(sign(model("m", 1, A), f.k1)))));
        assertEquals(Reason.EXPIRED, reason(() -> v.check(ArtifactType.MODEL, "m", in(sign(Fixture.manifest(
                ArtifactType.MODEL, "m", 1, A, Instant.now().minusSeconds(5), io.edgegate.trust.format.Targets.ANY,
                false), f.k1)))));
        assertEquals(Reason.MALFORMED, reason(() -> v.check(ArtifactType.MODEL, "m", in(new byte[0]))));
        v.accept(v.verify(ArtifactType.MODEL, "m", in(sign(model("m", 2, A), f.k1)), in(A)));
        assertEquals(Reason.REPLAYED, reason(() -> v.check(ArtifactType.MODEL, "m", in(sign(model("m", 2, A),
                f.k1)))));
    }

    @Test
    void developmentModePassesAParsableManifestThrough() throws Exception {
        CheckedManifest m = f.verifier(false).check(ArtifactType.MODEL, "m", in(model("m", 9, A).toEnvelope()
                .toJson()));
        assertEquals(9, m.version());
        assertTrue(m.signers().isEmpty());
        assertEquals(Reason.MALFORMED, reason(() -> f.verifier(false).check(ArtifactType.MODEL, "m",
                in("{".getBytes()))));
    }
}
