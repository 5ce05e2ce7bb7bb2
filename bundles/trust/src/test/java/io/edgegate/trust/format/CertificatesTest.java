package io.edgegate.trust.format;

import static io.edgegate.trust.testing.Fixture.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.PrivateKey;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.testing.TestPki;
import io.edgegate.trust.testing.TestPki.Issued;

class CertificatesTest {

    @Test
    void certificateKeyIdIsTheSha256OfItsSubjectPublicKeyInfo() {
        Issued ca = TestPki.ca("CN=Test CA");
        assertEquals(KeyIds.sha256Hex(ca.certificate().getPublicKey().getEncoded()),
                KeyIds.ofCertificate(ca.certificate()));
    }

    @Test
    void pemAndDerRoundTrip() throws Exception {
        Issued ca = TestPki.ca("CN=Test CA");
        assertEquals(ca.certificate(), Certificates.fromPem(Certificates.toPem(ca.certificate())));
        assertEquals(ca.certificate(), Certificates.fromDer(ca.certificate().getEncoded()));
        PrivateKey key = Certificates.privateKeyFromPem(Certificates.privateKeyToPem(ca.privateKey()));
        assertArrayEquals(ca.privateKey().getEncoded(), key.getEncoded());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIBroken==\n-----END CERTIFICATE-----\n",
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"})
    void malformedPemIsRefusedAsMalformed(String pem) {
        refused(Reason.MALFORMED, () -> Certificates.fromPem(pem));
    }

    @Test
    void malformedDerIsRefusedAsMalformed() {
        refused(Reason.MALFORMED, () -> Certificates.fromDer(new byte[0]));
        refused(Reason.MALFORMED, () -> Certificates.fromDer(new byte[] {0x30, 0x03, 0x02, 0x01}));
        refused(Reason.MALFORMED, () -> Certificates.fromDer(new byte[] {0x04, 0x00}));
    }

    @Test
    void cmsSignatureVerifiesAgainstItsAnchorAndNamesIt() throws Exception {
        Issued ca = TestPki.ca("CN=Test CA");
        Issued leaf = TestPki.codeSigningLeaf(ca, "CN=signer");
        byte[] content = Envelope.pae("t", "payload".getBytes());
        byte[] cms = CmsSignatures.sign(content, leaf.privateKey(), List.of(leaf.certificate()));
        CmsSignatures.Signer s = CmsSignatures.verify(content, cms, List.of(ca.certificate()), Instant.now());
        assertEquals(KeyIds.ofCertificate(leaf.certificate()), s.keyid());
        assertEquals(KeyIds.ofCertificate(ca.certificate()), s.anchorKeyid());
        var e = refused(Reason.BAD_CERTIFICATE, () -> CmsSignatures.verify(content, cms, List.of(), Instant.now()));
        assertTrue(e.getMessage().contains("no certificate anchors"), e.getMessage());
    }

    @Test
    void cmsWithEmbeddedContentIsRefused() throws Exception {
        Issued ca = TestPki.ca("CN=Test CA");
        Issued leaf = TestPki.codeSigningLeaf(ca, "CN=signer");
        org.bouncycastle.cms.CMSSignedDataGenerator g = new org.bouncycastle.cms.CMSSignedDataGenerator();
        g.addSignerInfoGenerator(new org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder(
                new org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder().setProvider(TestPki.BC)
                        .build())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("Ed25519").setProvider(TestPki.BC)
                        .build(leaf.privateKey()), leaf.certificate()));
        g.addCertificates(new org.bouncycastle.cert.jcajce.JcaCertStore(List.of(leaf.certificate())));
        byte[] attached = g.generate(new org.bouncycastle.cms.CMSProcessableByteArray("x".getBytes()), true)
                .getEncoded();
        var e = refused(Reason.MALFORMED, () -> CmsSignatures.verify("x".getBytes(), attached,
                List.of(ca.certificate()), Instant.now()));
        assertTrue(e.getMessage().contains("detached"), e.getMessage());
    }

    @Test
    void cmsGarbageIsMalformed() {
        refused(Reason.MALFORMED, () -> CmsSignatures.verify(new byte[1], new byte[0], List.of(), Instant.now()));
        refused(Reason.MALFORMED, () -> CmsSignatures.verify(new byte[1], new byte[] {0x30, 0x00}, List.of(),
                Instant.now()));
        refused(Reason.MALFORMED, () -> CmsSignatures.verify(new byte[1], "not der".getBytes(), List.of(),
                Instant.now()));
    }
}
