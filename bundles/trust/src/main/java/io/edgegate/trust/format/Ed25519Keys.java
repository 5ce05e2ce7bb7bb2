package io.edgegate.trust.format;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.SecureRandom;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * Raw Ed25519 keys (32-byte private seed, 32-byte public key) and their PEM forms: PKCS#8 {@code PRIVATE KEY}
 * and SubjectPublicKeyInfo {@code PUBLIC KEY}, as OpenSSL writes them.
 */
public final class Ed25519Keys {
    public static final int KEY_SIZE = 32;

    private Ed25519Keys() {
    }

    /** A new private key (seed). */
    public static byte[] generatePrivateKey(SecureRandom random) {
        byte[] sk = new byte[KEY_SIZE];
        Ed25519.generatePrivateKey(random, sk);
        return sk;
    }

    public static byte[] publicKey(byte[] privateKey) {
        checkLength(privateKey, "private key");
        byte[] pk = new byte[KEY_SIZE];
        Ed25519.generatePublicKey(privateKey, 0, pk, 0);
        return pk;
    }

    /**
     * Whether {@code publicKey} is a canonical encoding of a curve point of prime order L: refuses small-order
     * points (which let anyone forge signatures) and mixed-order points.
     */
    public static boolean isValidPublicKey(byte[] publicKey) {
        return publicKey != null && publicKey.length == KEY_SIZE && Ed25519.validatePublicKeyFull(publicKey, 0);
    }

    public static String privateKeyToPem(byte[] privateKey) {
        checkLength(privateKey, "private key");
        try {
            PrivateKeyInfo info = PrivateKeyInfoFactory.createPrivateKeyInfo(new Ed25519PrivateKeyParameters(privateKey));
            return pem("PRIVATE KEY", info.getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode an Ed25519 private key", e);
        }
    }

    public static String publicKeyToPem(byte[] publicKey) {
        checkLength(publicKey, "public key");
        try {
            SubjectPublicKeyInfo info = SubjectPublicKeyInfoFactory
                    .createSubjectPublicKeyInfo(new Ed25519PublicKeyParameters(publicKey));
            return pem("PUBLIC KEY", info.getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode an Ed25519 public key", e);
        }
    }

    /** @throws VerificationException {@link Reason#MALFORMED} unless {@code pem} holds an Ed25519 private key */
    public static byte[] privateKeyFromPem(String pem) throws VerificationException {
        Object o = readPem(pem, "private key");
        try {
            if (o instanceof PrivateKeyInfo info) {
                AsymmetricKeyParameter key = PrivateKeyFactory.createKey(info);
                if (key instanceof Ed25519PrivateKeyParameters ed) {
                    return ed.getEncoded();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new VerificationException(Reason.MALFORMED, "PEM private key is not valid DER: " + e.getMessage(), e);
        }
        throw new VerificationException(Reason.MALFORMED, "PEM does not hold an Ed25519 PRIVATE KEY (PKCS#8), but "
                + describe(o));
    }

    /** @throws VerificationException {@link Reason#MALFORMED} unless {@code pem} holds an Ed25519 public key */
    public static byte[] publicKeyFromPem(String pem) throws VerificationException {
        Object o = readPem(pem, "public key");
        try {
            if (o instanceof SubjectPublicKeyInfo info) {
                AsymmetricKeyParameter key = PublicKeyFactory.createKey(info);
                if (key instanceof Ed25519PublicKeyParameters ed) {
                    return ed.getEncoded();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new VerificationException(Reason.MALFORMED, "PEM public key is not valid DER: " + e.getMessage(), e);
        }
        throw new VerificationException(Reason.MALFORMED, "PEM does not hold an Ed25519 PUBLIC KEY "
                + "(SubjectPublicKeyInfo), but " + describe(o));
    }

    /** The first object in {@code pem}, parsed by BouncyCastle; anything wrong is MALFORMED. */
    static Object readPem(String pem, String what) throws VerificationException {
        if (pem == null || pem.isBlank()) {
            throw new VerificationException(Reason.MALFORMED, "PEM " + what + " is empty");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (o == null) {
                throw new VerificationException(Reason.MALFORMED, "no PEM block in the " + what);
            }
            return o;
        } catch (IOException | RuntimeException e) {
            throw new VerificationException(Reason.MALFORMED, "PEM " + what + " is malformed: " + e.getMessage(), e);
        }
    }

    static String pem(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (PemWriter w = new PemWriter(out)) {
            w.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write PEM", e);
        }
        return out.toString();
    }

    private static String describe(Object o) {
        return o == null ? "nothing" : "a " + o.getClass().getSimpleName();
    }

    private static void checkLength(byte[] key, String what) {
        if (key == null || key.length != KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 " + what + " has 32 bytes, not "
                    + (key == null ? "none" : key.length));
        }
    }
}
