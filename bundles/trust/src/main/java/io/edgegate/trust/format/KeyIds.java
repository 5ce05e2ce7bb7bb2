package io.edgegate.trust.format;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x509.Certificate;

/** Key ids: lower-case hex SHA-256 of a raw Ed25519 key, or of a certificate's SubjectPublicKeyInfo (DER). */
public final class KeyIds {
    private KeyIds() {
    }

    /** @throws IllegalArgumentException unless {@code publicKey} has 32 bytes */
    public static String ofEd25519(byte[] publicKey) {
        if (publicKey.length != Ed25519Keys.KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, not " + publicKey.length);
        }
        return sha256Hex(publicKey);
    }

    /** Of the certificate's SubjectPublicKeyInfo, re-encoded as DER. */
    public static String ofCertificate(X509Certificate certificate) {
        try {
            return ofSubjectPublicKeyInfo(Certificate.getInstance(certificate.getEncoded()).getSubjectPublicKeyInfo()
                    .getEncoded(ASN1Encoding.DER));
        } catch (CertificateEncodingException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot encode the certificate: " + e.getMessage(), e);
        }
    }

    public static String ofSubjectPublicKeyInfo(byte[] der) {
        return sha256Hex(der);
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
