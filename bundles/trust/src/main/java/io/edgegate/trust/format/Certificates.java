package io.edgegate.trust.format;

import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/** X.509 certificates and PKCS#8 private keys (any algorithm) in PEM and DER, for CMS signatures. */
public final class Certificates {
    private Certificates() {
    }

    /** Exactly one certificate in PEM. */
    public static X509Certificate fromPem(String pem) throws VerificationException {
        List<X509Certificate> all = allFromPem(pem);
        if (all.size() != 1) {
            throw new VerificationException(Reason.MALFORMED, "expected one PEM certificate, found " + all.size());
        }
        return all.get(0);
    }

    /** Every certificate in {@code pem}, in order; at least one, and nothing that is not a certificate. */
    public static List<X509Certificate> allFromPem(String pem) throws VerificationException {
        if (pem == null || pem.isBlank()) {
            throw new VerificationException(Reason.MALFORMED, "PEM certificate is empty");
        }
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (!(o instanceof X509CertificateHolder holder)) {
                    throw new VerificationException(Reason.MALFORMED,
                            "PEM holds a " + o.getClass().getSimpleName() + " where a CERTIFICATE was expected");
                }
                out.add(toX509(holder));
            }
        } catch (IOException | RuntimeException e) {
            throw new VerificationException(Reason.MALFORMED, "PEM certificate is malformed: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new VerificationException(Reason.MALFORMED, "no PEM certificate found");
        }
        return out;
    }

    public static X509Certificate fromDer(byte[] der) throws VerificationException {
        if (der == null || der.length == 0) {
            throw new VerificationException(Reason.MALFORMED, "DER certificate is empty");
        }
        try {
            return toX509(new X509CertificateHolder(der));
        } catch (IOException | RuntimeException e) {
            throw new VerificationException(Reason.MALFORMED, "DER certificate is malformed: " + e.getMessage(), e);
        }
    }

    public static String toPem(X509Certificate certificate) {
        try {
            return Ed25519Keys.pem("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot encode the certificate", e);
        }
    }

    /** A PKCS#8 {@code PRIVATE KEY} of any algorithm BouncyCastle knows, e.g. to sign CMS with. */
    public static PrivateKey privateKeyFromPem(String pem) throws VerificationException {
        Object o = Ed25519Keys.readPem(pem, "private key");
        if (!(o instanceof PrivateKeyInfo info)) {
            throw new VerificationException(Reason.MALFORMED,
                    "PEM holds a " + o.getClass().getSimpleName() + ", not a PKCS#8 PRIVATE KEY");
        }
        try {
            return new JcaPEMKeyConverter().setProvider(Bc.PROVIDER).getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw new VerificationException(Reason.MALFORMED, "PEM private key is malformed: " + e.getMessage(), e);
        }
    }

    public static String privateKeyToPem(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("only PKCS#8-encodable private keys can be written, not " + key.getFormat());
        }
        return Ed25519Keys.pem("PRIVATE KEY", key.getEncoded());
    }

    static X509Certificate toX509(X509CertificateHolder holder) throws VerificationException {
        try {
            return new JcaX509CertificateConverter().setProvider(Bc.PROVIDER).getCertificate(holder);
        } catch (CertificateException | RuntimeException e) {
            throw new VerificationException(Reason.MALFORMED, "certificate cannot be read: " + e.getMessage(), e);
        }
    }
}
