package io.edgegate.trust.impl;

import static io.edgegate.trust.testing.Fixture.bytes;
import static io.edgegate.trust.testing.Fixture.flip;
import static io.edgegate.trust.testing.Fixture.in;
import static io.edgegate.trust.testing.Fixture.model;
import static io.edgegate.trust.testing.Fixture.refused;
import static io.edgegate.trust.testing.Fixture.root;
import static io.edgegate.trust.testing.Fixture.sign;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.VerifiedArtifact;
import io.edgegate.trust.testing.Fixture;
import io.edgegate.trust.testing.SigningKey;

/** enforce=false: everything is checked and logged, failures pass through, but nothing unverified is recorded. */
class DevelopmentModeTest {
    private static final byte[] MODEL = bytes(3_000, 4);

    @TempDir
    Path home;

    @Test
    void unsignedArtifactPassesThroughWithItsPrivateCopy() throws Exception {
        Fixture f = new Fixture(home).withRoot(1);
        BouncyCastleArtifactVerifier v = f.verifier(false);
        assertFalse(v.enforcing());
        VerifiedArtifact a = v.verify(ArtifactType.MODEL, "minilm",
                in(model("minilm", 4, MODEL).toEnvelope().toJson()), in(MODEL));
        assertEquals(4, a.version(), "the unverified manifest's version, for the store's layout");
        assertEquals(List.of(), a.signers(), "nobody vouched for it");
        assertArrayEquals(MODEL, Files.readAllBytes(a.file()));
    }

    @Test
    void garbageManifestAndTamperedContentPassThroughAsIs() throws Exception {
        Fixture f = new Fixture(home).withRoot(1);
        byte[] tampered = flip(MODEL, 10);
        VerifiedArtifact a = f.verifier(false).verify(ArtifactType.MODEL, "minilm", in("not json".getBytes()),
                in(tampered));
        assertEquals(0, a.version());
        assertEquals(tampered.length, a.length());
        assertArrayEquals(tampered, Files.readAllBytes(a.file()));
    }

    @Test
    void passedThroughArtifactIsNeverRecordedAsAccepted() throws Exception {
        Fixture f = new Fixture(home).withRoot(1);
        BouncyCastleArtifactVerifier dev = f.verifier(false);
        byte[] unsignedV9 = model("minilm", 9, MODEL).toEnvelope().toJson();
        dev.accept(dev.verify(ArtifactType.MODEL, "minilm", in(unsignedV9), in(MODEL)));
        // back in production, the properly signed version 2 must still install
        f.verifier().verify(ArtifactType.MODEL, "minilm", in(sign(model("minilm", 2, MODEL), f.k1)), in(MODEL));
    }

    @Test
    void verifiedArtifactIsRecordedAsUsual() throws Exception {
        Fixture f = new Fixture(home).withRoot(1);
        BouncyCastleArtifactVerifier dev = f.verifier(false);
        byte[] m2 = sign(model("minilm", 2, MODEL), f.k1);
        VerifiedArtifact a = dev.verify(ArtifactType.MODEL, "minilm", in(m2), in(MODEL));
        assertEquals(List.of(f.k1.keyid()), a.signers());
        dev.accept(a);
        refused(Reason.REPLAYED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(m2), in(MODEL)));
    }

    @Test
    void rootRotationStaysStrict() throws Exception {
        Fixture f = new Fixture(home).withRoot(1);
        SigningKey n = SigningKey.generate();
        byte[] unsignedByOld = root(2, 1, List.of(n), List.of(), Fixture.IN_TEN_YEARS, n);
        refused(Reason.BAD_ROOT_ROTATION, () -> f.verifier(false).rotateRoot(in(unsignedByOld)));
    }

    @Test
    void startsWithoutARootAndPassesEverythingThrough() throws Exception {
        Fixture f = new Fixture(home);
        BouncyCastleArtifactVerifier v = f.verifier(false);
        assertEquals(0, v.rootVersion());
        VerifiedArtifact a = v.verify(ArtifactType.MODEL, "minilm", in(sign(model("minilm", 1, MODEL),
                SigningKey.generate())), in(MODEL));
        assertTrue(Files.exists(a.file()));
        refused(Reason.BAD_ROOT_ROTATION, () -> v.rotateRoot(in(root(1, 1, List.of(f.k1), List.of(),
                Fixture.IN_TEN_YEARS, f.k1))));
    }
}
