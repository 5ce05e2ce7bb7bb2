package io.edgegate.trust.testing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Real certificates for tests, made with bcpkix: CAs, intermediates and code-signing leaves, good and bad. */
public final class TestPki {
    public static final Provider BC = new BouncyCastleProvider();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private static final Duration DAY = Duration.ofDays(1);

    /** A key pair and the certificate for it. */
    public record Issued(KeyPair keyPair, X509Certificate certificate) {
        public PrivateKey privateKey() {
            return keyPair.getPrivate();
        }
    }

    private TestPki() {
    }

    public static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519", BC).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed CA, valid from yesterday for a year. */
    public static Issued ca(String dn) {
        KeyPair kp = ed25519();
        return new Issued(kp, build(new X500Name(dn), kp.getPrivate(), kp.getPublic(), new X500Name(dn), kp.getPublic(),
                Instant.now().minus(DAY), Instant.now().plus(Duration.ofDays(365)), true, null));
    }

    /** An intermediate CA issued by {@code issuer}. */
    public static Issued intermediate(Issued issuer, String dn) {
        KeyPair kp = ed25519();
        return new Issued(kp, build(name(issuer), issuer.privateKey(), issuer.keyPair().getPublic(), new X500Name(dn),
                kp.getPublic(), Instant.now().minus(DAY), Instant.now().plus(Duration.ofDays(300)), true, null));
    }

    /** A leaf issued by {@code issuer}, valid now, with the codeSigning extended key usage. */
    public static Issued codeSigningLeaf(Issued issuer, String dn) {
        return leaf(issuer, dn, Instant.now().minus(DAY), Instant.now().plus(Duration.ofDays(90)),
                KeyPurposeId.id_kp_codeSigning);
    }

    /** Expired yesterday. */
    public static Issued expiredLeaf(Issued issuer, String dn) {
        return leaf(issuer, dn, Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(DAY),
                KeyPurposeId.id_kp_codeSigning);
    }

    /** Valid from tomorrow. */
    public static Issued notYetValidLeaf(Issued issuer, String dn) {
        return leaf(issuer, dn, Instant.now().plus(DAY), Instant.now().plus(Duration.ofDays(30)),
                KeyPurposeId.id_kp_codeSigning);
    }

    /** A TLS server certificate: serverAuth, no codeSigning. */
    public static Issued serverLeaf(Issued issuer, String dn) {
        return leaf(issuer, dn, Instant.now().minus(DAY), Instant.now().plus(Duration.ofDays(90)),
                KeyPurposeId.id_kp_serverAuth);
    }

    /** A code-signing certificate that signed itself. */
    public static Issued selfSignedLeaf(String dn) {
        KeyPair kp = ed25519();
        return new Issued(kp, build(new X500Name(dn), kp.getPrivate(), kp.getPublic(), new X500Name(dn), kp.getPublic(),
                Instant.now().minus(DAY), Instant.now().plus(Duration.ofDays(90)), false, KeyPurposeId.id_kp_codeSigning));
    }

    public static Issued leaf(Issued issuer, String dn, Instant notBefore, Instant notAfter, KeyPurposeId eku) {
        KeyPair kp = ed25519();
        return new Issued(kp, build(name(issuer), issuer.privateKey(), issuer.keyPair().getPublic(), new X500Name(dn),
                kp.getPublic(), notBefore, notAfter, false, eku));
    }

    private static X500Name name(Issued issued) {
        return X500Name.getInstance(issued.certificate().getSubjectX500Principal().getEncoded());
    }

    private static X509Certificate build(X500Name issuer, PrivateKey issuerKey, PublicKey issuerPublic,
            X500Name subject, PublicKey subjectKey, Instant notBefore, Instant notAfter, boolean ca,
            KeyPurposeId eku) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                    subjectKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerPublic));
            if (eku != null) {
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku));
            }
            return new JcaX509CertificateConverter().setProvider(BC)
                    .getCertificate(b.build(new JcaContentSignerBuilder("Ed25519").setProvider(BC).build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }
}
