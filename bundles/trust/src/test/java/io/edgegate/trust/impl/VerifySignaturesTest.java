package io.edgegate.trust.impl;

import static io.edgegate.trust.testing.Fixture.bytes;
import static io.edgegate.trust.testing.Fixture.in;
import static io.edgegate.trust.testing.Fixture.model;
import static io.edgegate.trust.testing.Fixture.refused;
import static io.edgegate.trust.testing.Fixture.sign;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.VerifiedArtifact;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.Envelope.Signature;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.testing.Fixture;
import io.edgegate.trust.testing.SigningKey;

/** Who signed, and whether the signatures are what they claim: Ed25519, threshold 1 unless said. */
class VerifySignaturesTest {
    private static final byte[] MODEL = bytes(10_000, 7);

    @TempDir
    Path home;
    Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(home).withRoot(1);
    }

    @Test
    void properlySignedModelIsVerifiedIntoAPrivateCopy() throws Exception {
        Path source = Files.write(home.resolve("model.onnx"), MODEL);
        BouncyCastleArtifactVerifier v = f.verifier();
        VerifiedArtifact a = v.verify(ArtifactType.MODEL, "minilm", in(sign(model("minilm", 3, MODEL), f.k1)),
                Files.newInputStream(source));
        assertEquals(ArtifactType.MODEL, a.type());
        assertEquals("minilm", a.name());
        assertEquals(3, a.version());
        assertEquals(MODEL.length, a.length());
        assertEquals(List.of(f.k1.keyid()), a.signers());
        assertFalse(a.rollback());
        assertTrue(a.file().startsWith(f.state.resolve("incoming")), "the private copy lies in the state folder");
        assertArrayEquals(MODEL, Files.readAllBytes(a.file()));
        assertTrue(v.enforcing());
        assertEquals(1, v.rootVersion());
    }

    @Test
    void unsignedManifestIsRefused() throws Exception {
        byte[] unsigned = model("minilm", 1, MODEL).toEnvelope().toJson();
        var e = refused(Reason.UNSIGNED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(unsigned),
                in(MODEL)));
        assertTrue(e.getMessage().contains("no signature"), e.getMessage());
        assertTrue(f.incomingFiles().isEmpty(), "nothing is kept");
    }

    @Test
    void keyNotInTheRootIsRefused() throws Exception {
        SigningKey stranger = SigningKey.generate();
        var e = refused(Reason.UNTRUSTED_KEY, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, MODEL), stranger)), in(MODEL)));
        assertTrue(e.getMessage().contains(stranger.keyid()), e.getMessage());
    }

    @Test
    void unknownKeyBesideATrustedOneIsIgnored() throws Exception {
        VerifiedArtifact a = f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, MODEL), SigningKey.generate(), f.k2)), in(MODEL));
        assertEquals(List.of(f.k2.keyid()), a.signers());
    }

    @Test
    void onePayloadByteFlippedIsRefused() throws Exception {
        Envelope signed = Envelope.parse(sign(model("minilm", 1, MODEL), f.k1));
        byte[] payload = signed.payload();
        int at = new String(payload, java.nio.charset.StandardCharsets.UTF_8).indexOf("\"version\" : 1") + 12;
        payload[at] = '9'; // version 1 -> 9, still valid JSON
        Envelope tampered = new Envelope(signed.payloadType(), payload, signed.signatures());
        var e = refused(Reason.BAD_SIGNATURE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(tampered.toJson()), in(MODEL)));
        assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
    }

    @Test
    void badSignatureFromATrustedKeyRefusesTheEnvelopeEvenIfTheThresholdIsMet() throws Exception {
        Envelope good = Envelope.parse(sign(model("minilm", 1, MODEL), f.k1));
        byte[] otherSig = Envelope.parse(sign(model("other", 1, MODEL), f.k2)).signatures().get(0).sig();
        Envelope withForeign = good.with(Signature.ed25519(f.k2.keyid(), otherSig));
        var e = refused(Reason.BAD_SIGNATURE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(withForeign.toJson()), in(MODEL)));
        assertTrue(e.getMessage().contains(f.k2.keyid()), e.getMessage());
    }

    @Test
    void signatureWithSAboveTheGroupOrderIsRefused() throws Exception {
        Envelope good = Envelope.parse(sign(model("minilm", 1, MODEL), f.k1));
        byte[] sig = good.signatures().get(0).sig();
        BigInteger l = BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));
        byte[] malleable = withScalar(sig, scalar(sig).add(l));
        Envelope bad = new Envelope(good.payloadType(), good.payload(),
                List.of(Signature.ed25519(f.k1.keyid(), malleable)));
        var e = refused(Reason.BAD_SIGNATURE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(bad.toJson()), in(MODEL)));
        assertTrue(e.getMessage().contains("S is not below the group order L"), e.getMessage());
    }

    @Test
    void belowThresholdIsRefused() throws Exception {
        f.withRoot(2);
        var e = refused(Reason.BELOW_THRESHOLD, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, MODEL), f.k1)), in(MODEL)));
        assertTrue(e.getMessage().contains("needs 2"), e.getMessage());
    }

    @Test
    void oneKeySigningTwiceCountsOnce() throws Exception {
        f.withRoot(2);
        byte[] twice = sign(model("minilm", 1, MODEL), f.k1, f.k1);
        assertEquals(2, Envelope.parse(twice).signatures().size());
        var e = refused(Reason.BELOW_THRESHOLD, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(twice),
                in(MODEL)));
        assertTrue(e.getMessage().startsWith("1 distinct trusted key"), e.getMessage());
    }

    @Test
    void twoDistinctKeysMeetThresholdTwo() throws Exception {
        f.withRoot(2);
        VerifiedArtifact a = f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, MODEL), f.k3, f.k1, f.k3)), in(MODEL));
        assertEquals(List.of(f.k3.keyid(), f.k1.keyid()), a.signers());
    }

    @Test
    void manifestForAnotherNameIsRefused() throws Exception {
        var e = refused(Reason.WRONG_ARTIFACT, () -> f.verifier().verify(ArtifactType.MODEL, "resnet50",
                in(sign(model("minilm", 1, MODEL), f.k1)), in(MODEL)));
        assertTrue(e.getMessage().contains("'minilm'") && e.getMessage().contains("'resnet50'"), e.getMessage());
    }

    @Test
    void modelManifestIsRefusedForABundle() throws Exception {
        refused(Reason.WRONG_ARTIFACT, () -> f.verifier().verify(ArtifactType.BUNDLE, "minilm",
                in(sign(model("minilm", 1, MODEL), f.k1)), in(MODEL)));
    }

    @Test
    void trustRootEnvelopeIsNotAManifest() throws Exception {
        byte[] rootEnvelope = Files.readAllBytes(f.rootFile);
        var e = refused(Reason.MALFORMED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(rootEnvelope),
                in(MODEL)));
        assertTrue(e.getMessage().contains("payloadType"), e.getMessage());
    }

    @Test
    void manifestLargerThanOneMebibyteIsRefusedUnread() throws Exception {
        byte[] huge = new byte[Envelope.MAX_SIZE + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        var e = refused(Reason.MALFORMED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(huge),
                in(MODEL)));
        assertTrue(e.getMessage().contains("larger than"), e.getMessage());
    }

    @Test
    void expiredTrustRootVerifiesNothing() throws Exception {
        java.time.Clock later = java.time.Clock.fixed(Fixture.IN_TEN_YEARS.plusSeconds(1), java.time.ZoneOffset.UTC);
        BouncyCastleArtifactVerifier v = new BouncyCastleArtifactVerifier(f.rootFile, f.state, Fixture.GATEWAY,
                Fixture.HARDWARE, true, later);
        Manifest m = Fixture.manifest(ArtifactType.MODEL, "minilm", 1, MODEL, Fixture.IN_TEN_YEARS.plusSeconds(99),
                io.edgegate.trust.format.Targets.ANY, false);
        var e = refused(Reason.EXPIRED, () -> v.verify(ArtifactType.MODEL, "minilm", in(sign(m, f.k1)), in(MODEL)));
        assertTrue(e.getMessage().startsWith("trust root 1 expired"), e.getMessage());
    }

    static BigInteger scalar(byte[] sig) {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = sig[63 - i];
        }
        return new BigInteger(1, be);
    }

    static byte[] withScalar(byte[] sig, BigInteger s) {
        byte[] out = sig.clone();
        byte[] be = s.toByteArray();
        java.util.Arrays.fill(out, 32, 64, (byte) 0);
        for (int i = 0; i < be.length && i < 32; i++) {
            out[32 + i] = be[be.length - 1 - i];
        }
        return out;
    }
}
