package io.edgegate.edgectl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.format.Certificates;
import io.edgegate.trust.format.KeyIds;

/** {@code sign --cert}: a CMS signature by a code-signing certificate that chains to an anchor in the root. */
class CmsSigningTest {
    private static final Provider BC = new BouncyCastleProvider();

    @TempDir
    Path dir;

    @Test
    void cmsSignatureChainedToAnAnchorMeetsTheThreshold() throws Exception {
        KeyPair caKeys = KeyPairGenerator.getInstance("Ed25519", BC).generateKeyPair();
        X509Certificate ca = certificate("CN=Edgegate test CA", caKeys.getPrivate(), caKeys.getPublic(),
                "CN=Edgegate test CA", caKeys.getPublic(), true);
        KeyPair leafKeys = KeyPairGenerator.getInstance("Ed25519", BC).generateKeyPair();
        X509Certificate leaf = certificate("CN=Edgegate test CA", caKeys.getPrivate(), caKeys.getPublic(),
                "CN=release signing", leafKeys.getPublic(), false);
        Path caPem = Files.writeString(dir.resolve("ca.pem"), Certificates.toPem(ca));
        Path leafPem = Files.writeString(dir.resolve("leaf.pem"), Certificates.toPem(leaf));
        Path leafKey = Files.writeString(dir.resolve("leaf.key"), Certificates.privateKeyToPem(leafKeys.getPrivate()));
        Path model = Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3, 4});

        EdgectlTest.ok("keys", "generate", "--out", dir, "--name", "ops");
        EdgectlTest.ok("root", "init", "--key", dir.resolve("ops.key"), "--anchor", caPem, "--threshold", "1",
                "--out", dir.resolve("root.json"));
        EdgectlTest.ok("sign", model, "--type", "model", "--name", "m", "--version", "1", "--expires", "30d",
                "--cert", leafPem, "--cert-key", leafKey);
        EdgectlTest.Result r = EdgectlTest.ok("verify", model, "--manifest", dir.resolve("model.onnx.manifest.json"),
                "--root", dir.resolve("root.json"));
        assertTrue(r.out().contains("signed by " + KeyIds.ofCertificate(leaf)), r.out());

        // Without the anchor, the same manifest has no trusted signer.
        EdgectlTest.ok("root", "init", "--key", dir.resolve("ops.key"), "--threshold", "1", "--out",
                dir.resolve("plain-root.json"));
        EdgectlTest.Result refused = EdgectlTest.run("verify", model, "--manifest",
                dir.resolve("model.onnx.manifest.json"), "--root", dir.resolve("plain-root.json"));
        assertEquals(1, refused.code(), refused.all());
        assertTrue(refused.out().startsWith("REFUSED "), refused.all());
    }

    private static X509Certificate certificate(String issuer, PrivateKey issuerKey, PublicKey issuerPublic,
            String subject, PublicKey subjectKey, boolean ca) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                BigInteger.valueOf(now.toEpochMilli() + (ca ? 0 : 1)), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(90))), new X500Name(subject), subjectKey);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        b.addExtension(Extension.keyUsage, true,
                new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
        if (!ca) {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning));
        }
        return new JcaX509CertificateConverter().setProvider(BC)
                .getCertificate(b.build(new JcaContentSignerBuilder("Ed25519").setProvider(BC).build(issuerKey)));
    }
}
