package io.edgegate.trust.impl;

import static io.edgegate.trust.testing.Fixture.bytes;
import static io.edgegate.trust.testing.Fixture.in;
import static io.edgegate.trust.testing.Fixture.model;
import static io.edgegate.trust.testing.Fixture.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.VerifiedArtifact;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.Envelope.Signature;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.testing.Fixture;
import io.edgegate.trust.testing.TestPki;
import io.edgegate.trust.testing.TestPki.Issued;

/** CMS signatures: chains built from embedded certificates, validated against the pinned CA only. */
class VerifyCmsTest {
    private static final byte[] MODEL = bytes(4_000, 9);

    @TempDir
    Path home;
    Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(home).withRoot(1);
    }

    private byte[] cmsSigned(Issued signer, List<X509Certificate> chain) {
        return model("minilm", 1, MODEL).toEnvelope().signedCms(signer.privateKey(), chain).toJson();
    }

    private byte[] cmsSigned(Issued signer) {
        return cmsSigned(signer, List.of(signer.certificate()));
    }

    @Test
    void codeSigningLeafOfThePinnedCaIsVerified() throws Exception {
        Issued leaf = TestPki.codeSigningLeaf(f.ca, "CN=CI signer");
        VerifiedArtifact a = f.verifier().verify(ArtifactType.MODEL, "minilm", in(cmsSigned(leaf)), in(MODEL));
        assertEquals(List.of(KeyIds.ofCertificate(leaf.certificate())), a.signers());
    }

    @Test
    void chainThroughAnEmbeddedIntermediateIsVerified() throws Exception {
        Issued intermediate = TestPki.intermediate(f.ca, "CN=Edgegate Signing CA");
        Issued leaf = TestPki.codeSigningLeaf(intermediate, "CN=CI signer");
        f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(cmsSigned(leaf, List.of(leaf.certificate(), intermediate.certificate()))), in(MODEL));
    }

    @Test
    void selfSignedCertificateEmbeddedInTheCmsIsNotTrusted() throws Exception {
        Issued self = TestPki.selfSignedLeaf("CN=Edgegate Test CA");
        var e = refused(Reason.BAD_CERTIFICATE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(cmsSigned(self)), in(MODEL)));
        assertTrue(e.getMessage().contains("does not end at an anchor pinned"), e.getMessage());
    }

    @Test
    void chainToAnEmbeddedButUnpinnedCaIsNotTrusted() throws Exception {
        Issued rogueCa = TestPki.ca("CN=Rogue CA");
        Issued leaf = TestPki.codeSigningLeaf(rogueCa, "CN=CI signer");
        refused(Reason.BAD_CERTIFICATE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(cmsSigned(leaf, List.of(leaf.certificate(), rogueCa.certificate()))), in(MODEL)));
    }

    @Test
    void certificateWithoutCodeSigningIsRefused() throws Exception {
        Issued tls = TestPki.serverLeaf(f.ca, "CN=gateway.example");
        var e = refused(Reason.BAD_CERTIFICATE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(cmsSigned(tls)), in(MODEL)));
        assertTrue(e.getMessage().contains("codeSigning"), e.getMessage());
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        Issued old = TestPki.expiredLeaf(f.ca, "CN=old signer");
        var e = refused(Reason.BAD_CERTIFICATE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(cmsSigned(old)), in(MODEL)));
        assertTrue(e.getMessage().contains("expired at"), e.getMessage());
    }

    @Test
    void notYetValidCertificateIsRefused() throws Exception {
        Issued early = TestPki.notYetValidLeaf(f.ca, "CN=future signer");
        var e = refused(Reason.BAD_CERTIFICATE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(cmsSigned(early)), in(MODEL)));
        assertTrue(e.getMessage().contains("not valid before"), e.getMessage());
    }

    @Test
    void cmsSignatureOverAnotherManifestIsRefused() throws Exception {
        Issued leaf = TestPki.codeSigningLeaf(f.ca, "CN=CI signer");
        Envelope other = model("minilm", 2, MODEL).toEnvelope().signedCms(leaf.privateKey(),
                List.of(leaf.certificate()));
        Envelope moved = model("minilm", 1, MODEL).toEnvelope().with(other.signatures().get(0));
        var e = refused(Reason.BAD_SIGNATURE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(moved.toJson()), in(MODEL)));
        assertTrue(e.getMessage().contains("CMS signature does not verify"), e.getMessage());
    }

    @Test
    void cmsKeyidNotMatchingItsCertificateIsRefused() throws Exception {
        Issued leaf = TestPki.codeSigningLeaf(f.ca, "CN=CI signer");
        Envelope signed = Envelope.parse(cmsSigned(leaf));
        Envelope relabelled = new Envelope(signed.payloadType(), signed.payload(),
                List.of(Signature.cms(f.k1.keyid(), signed.signatures().get(0).cms())));
        refused(Reason.BAD_SIGNATURE, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(relabelled.toJson()), in(MODEL)));
    }

    @Test
    void twoLeavesOfOneAnchorCountOnce() throws Exception {
        f.withRoot(2);
        Issued a = TestPki.codeSigningLeaf(f.ca, "CN=signer a");
        Issued b = TestPki.codeSigningLeaf(f.ca, "CN=signer b");
        Envelope e = model("minilm", 1, MODEL).toEnvelope().signedCms(a.privateKey(), List.of(a.certificate()))
                .signedCms(b.privateKey(), List.of(b.certificate()));
        refused(Reason.BELOW_THRESHOLD, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(e.toJson()),
                in(MODEL)));
    }

    @Test
    void cmsAndEd25519TogetherMeetThresholdTwo() throws Exception {
        f.withRoot(2);
        Issued leaf = TestPki.codeSigningLeaf(f.ca, "CN=CI signer");
        Envelope e = model("minilm", 1, MODEL).toEnvelope().signedCms(leaf.privateKey(), List.of(leaf.certificate()))
                .signedEd25519(f.k2.privateKey());
        VerifiedArtifact a = f.verifier().verify(ArtifactType.MODEL, "minilm", in(e.toJson()), in(MODEL));
        assertEquals(List.of(KeyIds.ofCertificate(leaf.certificate()), f.k2.keyid()), a.signers());
    }

    @Test
    void malformedCmsDerIsRefusedAsMalformed() throws Exception {
        Issued leaf = TestPki.codeSigningLeaf(f.ca, "CN=CI signer");
        Envelope garbage = model("minilm", 1, MODEL).toEnvelope().with(Signature.cms(
                KeyIds.ofCertificate(leaf.certificate()), new byte[] {0x30, (byte) 0x82, 0x01, 0x00, 0x06}));
        refused(Reason.MALFORMED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(garbage.toJson()),
                in(MODEL)));
    }
}
