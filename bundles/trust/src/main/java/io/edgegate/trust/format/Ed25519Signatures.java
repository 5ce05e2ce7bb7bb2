package io.edgegate.trust.format;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * Pure Ed25519 (RFC 8032) over BouncyCastle's low-level implementation, with the strict checks made explicit
 * rather than left to whichever BouncyCastle version is installed: the scalar S must be below the group order
 * L (no malleable signatures) and the public key must have prime order (no small-order keys).
 */
public final class Ed25519Signatures {
    public static final int SIGNATURE_SIZE = 64;

    /** L = 2^252 + 27742317777372353535851937790883648493, little-endian as in signatures. */
    private static final byte[] L = {
        (byte) 0xed, (byte) 0xd3, (byte) 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, (byte) 0xd6, (byte) 0x9c, (byte) 0xf7,
        (byte) 0xa2, (byte) 0xde, (byte) 0xf9, (byte) 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};

    private Ed25519Signatures() {
    }

    public static byte[] sign(byte[] privateKey, byte[] message) {
        if (privateKey.length != Ed25519Keys.KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 private key has 32 bytes, not " + privateKey.length);
        }
        byte[] sig = new byte[SIGNATURE_SIZE];
        Ed25519.sign(privateKey, 0, message, 0, message.length, sig, 0);
        return sig;
    }

    /**
     * @throws VerificationException {@link Reason#BAD_SIGNATURE} saying why: wrong length, S not below L, a
     *         public key of small or mixed order, or a signature that does not verify
     */
    public static void verify(byte[] publicKey, byte[] message, byte[] signature) throws VerificationException {
        if (signature == null || signature.length != SIGNATURE_SIZE) {
            throw bad("an Ed25519 signature has 64 bytes, not " + (signature == null ? "none" : signature.length));
        }
        if (!Ed25519Keys.isValidPublicKey(publicKey)) {
            throw bad("the public key is not a valid Ed25519 key of prime order (small-order or malformed keys are "
                    + "refused)");
        }
        if (!isCanonical(signature)) {
            throw bad("non-canonical signature: its scalar S is not below the group order L");
        }
        if (!Ed25519.verify(signature, 0, publicKey, 0, message, 0, message.length)) {
            throw bad("the Ed25519 signature does not verify");
        }
    }

    /** Whether the signature's S (its last 32 bytes, little-endian) is below L. */
    public static boolean isCanonical(byte[] signature) {
        if (signature.length != SIGNATURE_SIZE) {
            return false;
        }
        for (int i = 31; i >= 0; i--) {
            int s = signature[32 + i] & 0xff;
            int l = L[i] & 0xff;
            if (s != l) {
                return s < l;
            }
        }
        return false; // S == L
    }

    private static VerificationException bad(String message) {
        return new VerificationException(Reason.BAD_SIGNATURE, message);
    }
}
