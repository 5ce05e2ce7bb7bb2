package io.edgegate.trust.impl;

import static io.edgegate.trust.testing.Fixture.bytes;
import static io.edgegate.trust.testing.Fixture.in;
import static io.edgegate.trust.testing.Fixture.model;
import static io.edgegate.trust.testing.Fixture.refused;
import static io.edgegate.trust.testing.Fixture.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.VerifiedArtifact;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;
import io.edgegate.trust.testing.Fixture;

/** The highest accepted version, kept across restarts; signed rollback directives, each usable once. */
class ReplayTest {
    private static final byte[] V1 = bytes(2_000, 1);
    private static final byte[] V2 = bytes(2_000, 2);
    private static final byte[] V3 = bytes(2_000, 3);

    @TempDir
    Path home;
    Fixture f;
    byte[] m1;
    byte[] m2;
    byte[] m3;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(home).withRoot(1);
        m1 = sign(model("minilm", 1, V1), f.k1);
        m2 = sign(model("minilm", 2, V2), f.k1);
        m3 = sign(model("minilm", 3, V3), f.k1);
    }

    private VerifiedArtifact install(BouncyCastleArtifactVerifier v, byte[] manifest, byte[] content)
            throws Exception {
        VerifiedArtifact a = v.verify(ArtifactType.MODEL, "minilm", in(manifest), in(content));
        v.accept(a);
        return a;
    }

    @Test
    void acceptedVersionIsRefusedTheSecondTime() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        install(v, m2, V2);
        var e = refused(Reason.REPLAYED, () -> v.verify(ArtifactType.MODEL, "minilm", in(m2), in(V2)));
        assertTrue(e.getMessage().contains("not newer than version 2"), e.getMessage());
    }

    @Test
    void olderVersionIsRefused() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        install(v, m1, V1);
        install(v, m3, V3);
        refused(Reason.REPLAYED, () -> v.verify(ArtifactType.MODEL, "minilm", in(m2), in(V2)));
    }

    @Test
    void olderVersionIsRefusedAfterARestart() throws Exception {
        install(f.verifier(), m3, V3);
        BouncyCastleArtifactVerifier restarted = f.verifier();
        refused(Reason.REPLAYED, () -> restarted.verify(ArtifactType.MODEL, "minilm", in(m2), in(V2)));
        refused(Reason.REPLAYED, () -> restarted.verify(ArtifactType.MODEL, "minilm", in(m3), in(V3)));
    }

    @Test
    void versionsAreKeptPerTypeAndName() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        install(v, m3, V3);
        v.verify(ArtifactType.MODEL, "resnet50", in(sign(model("resnet50", 1, V1), f.k1)), in(V1));
        Manifest bundle = Fixture.manifest(ArtifactType.BUNDLE, "minilm", 1, V1, Fixture.IN_A_MONTH, Targets.ANY,
                false);
        v.verify(ArtifactType.BUNDLE, "minilm", in(sign(bundle, f.k1)), in(V1));
    }

    @Test
    void signedRollbackDirectiveIsAccepted() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        install(v, m3, V3);
        byte[] rollback = sign(Fixture.manifest(ArtifactType.MODEL, "minilm", 2, V2, Fixture.IN_A_MONTH, Targets.ANY,
                true), f.k1);
        VerifiedArtifact a = v.verify(ArtifactType.MODEL, "minilm", in(rollback), in(V2));
        assertTrue(a.rollback());
        assertEquals(2, a.version());
        v.accept(a);
        // the highest accepted version stays 3: the bad version 3 cannot be replayed, and neither can 2
        refused(Reason.REPLAYED, () -> v.verify(ArtifactType.MODEL, "minilm", in(m3), in(V3)));
        refused(Reason.REPLAYED, () -> v.verify(ArtifactType.MODEL, "minilm", in(m2), in(V2)));
        assertTrue(Files.readString(f.state.resolve("accepted.json")).contains("\"model/minilm\" : 3"));
    }

    @Test
    void rollbackDirectiveWorksOnceAlsoAfterARestart() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        install(v, m3, V3);
        byte[] rollback = sign(Fixture.manifest(ArtifactType.MODEL, "minilm", 2, V2, Fixture.IN_A_MONTH, Targets.ANY,
                true), f.k1);
        install(v, rollback, V2);
        var e = refused(Reason.REPLAYED, () -> v.verify(ArtifactType.MODEL, "minilm", in(rollback), in(V2)));
        assertTrue(e.getMessage().contains("rollback directive"), e.getMessage());
        refused(Reason.REPLAYED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(rollback), in(V2)));
    }

    @Test
    void acceptedVersionsAreWrittenAtomicallyAndReadBack() throws Exception {
        install(f.verifier(), m2, V2);
        Path file = f.state.resolve("accepted.json");
        assertTrue(Files.readString(file).contains("\"model/minilm\" : 2"), Files.readString(file));
        try (Stream<Path> s = Files.list(f.state)) {
            assertEquals(List.of("accepted.json", "incoming"), s.map(p -> p.getFileName().toString()).sorted()
                    .toList(), "no temporary file is left");
        }
    }

    @Test
    void corruptAcceptedVersionsStopTheVerifier() throws Exception {
        f.verifier();
        Files.writeString(f.state.resolve("accepted.json"), "{\"versions\": {\"model/minilm\": ");
        var e = refused(Reason.IO, f::verifier);
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void acceptTakesOnlyWhatThisVerifierVerifiedAndOnlyOnce() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        VerifiedArtifact a = v.verify(ArtifactType.MODEL, "minilm", in(m2), in(V2));
        VerifiedArtifact forged = new VerifiedArtifact(a.type(), a.name(), 99, a.sha256(), a.length(), a.expires(),
                a.signers(), false, a.file());
        assertThrows(IllegalArgumentException.class, () -> v.accept(forged));
        VerifiedArtifact b = v.verify(ArtifactType.MODEL, "minilm", in(m2), in(V2));
        v.accept(b);
        assertThrows(IllegalArgumentException.class, () -> v.accept(b));
        assertFalse(Files.readString(f.state.resolve("accepted.json")).contains("99"));
    }

    @Test
    void secondOfTwoVerifiedCopiesOfOneVersionIsRefusedAtAccept() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        VerifiedArtifact first = v.verify(ArtifactType.MODEL, "minilm", in(m2), in(V2));
        VerifiedArtifact second = v.verify(ArtifactType.MODEL, "minilm", in(m2), in(V2));
        v.accept(first);
        refused(Reason.REPLAYED, () -> v.accept(second));
    }
}
