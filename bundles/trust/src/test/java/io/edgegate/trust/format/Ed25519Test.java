package io.edgegate.trust.format;

import static io.edgegate.trust.testing.Fixture.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.testing.SigningKey;
import io.edgegate.trust.testing.TestPki;

class Ed25519Test {
    private static final BigInteger L = BigInteger.ONE.shiftLeft(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));
    private static final byte[] MESSAGE = "DSSEv1 1 t 1 x".getBytes(StandardCharsets.UTF_8);

    @Test
    void rfc8032TestVector1() throws Exception {
        // RFC 8032, 7.1, TEST 1: empty message
        HexFormat hex = HexFormat.of();
        byte[] sk = hex.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        byte[] pk = hex.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        byte[] sig = hex.parseHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        assertArrayEquals(pk, Ed25519Keys.publicKey(sk));
        assertArrayEquals(sig, Ed25519Signatures.sign(sk, new byte[0]));
        Ed25519Signatures.verify(pk, new byte[0], sig);
    }

    @Test
    void signatureOfAnotherMessageDoesNotVerify() {
        SigningKey k = SigningKey.generate();
        byte[] sig = Ed25519Signatures.sign(k.privateKey(), MESSAGE);
        var e = refused(Reason.BAD_SIGNATURE, () -> Ed25519Signatures.verify(k.publicKey(), "other".getBytes(), sig));
        assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
    }

    @Test
    void signatureWithLAddedToSIsRefusedAsNonCanonical() {
        SigningKey k = SigningKey.generate();
        byte[] sig = Ed25519Signatures.sign(k.privateKey(), MESSAGE);
        assertTrue(Ed25519Signatures.isCanonical(sig));
        byte[] malleable = withS(sig, s(sig).add(L));
        assertFalse(Ed25519Signatures.isCanonical(malleable));
        var e = refused(Reason.BAD_SIGNATURE, () -> Ed25519Signatures.verify(k.publicKey(), MESSAGE, malleable));
        assertTrue(e.getMessage().contains("non-canonical"), e.getMessage());
    }

    @Test
    void canonicalCheckAgreesWithArithmeticAtTheBoundary() {
        byte[] sig = new byte[64];
        assertTrue(Ed25519Signatures.isCanonical(withS(sig, L.subtract(BigInteger.ONE))));
        assertFalse(Ed25519Signatures.isCanonical(withS(sig, L)));
        assertFalse(Ed25519Signatures.isCanonical(withS(sig, L.add(BigInteger.ONE))));
        assertFalse(Ed25519Signatures.isCanonical(withS(sig, BigInteger.ONE.shiftLeft(255))));
        assertTrue(Ed25519Signatures.isCanonical(withS(sig, BigInteger.ZERO)));
    }

    /** Points of order 1, 2, 4 and 8 (libsodium's blocklist), any of which "verifies" forged signatures. */
    @ParameterizedTest
    @ValueSource(strings = {
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"})
    void smallOrderPublicKeysAreRefused(String hex) {
        byte[] key = HexFormat.of().parseHex(hex);
        assertFalse(Ed25519Keys.isValidPublicKey(key));
        // R = identity, S = 0: satisfies [S]B = R + [k]A for the identity key A and every message
        byte[] forged = new byte[64];
        forged[0] = 1;
        var e = refused(Reason.BAD_SIGNATURE, () -> Ed25519Signatures.verify(key, MESSAGE, forged));
        assertTrue(e.getMessage().contains("prime order"), e.getMessage());
    }

    @Test
    void keyIdIsTheSha256OfTheRawKey() {
        byte[] pk = Ed25519Keys.publicKey(Ed25519Keys.generatePrivateKey(new SecureRandom()));
        assertEquals(KeyIds.sha256Hex(pk), KeyIds.ofEd25519(pk));
        assertEquals(64, KeyIds.ofEd25519(pk).length());
    }

    @Test
    void pemRoundTrips() throws Exception {
        SigningKey k = SigningKey.generate();
        String priv = Ed25519Keys.privateKeyToPem(k.privateKey());
        String pub = Ed25519Keys.publicKeyToPem(k.publicKey());
        assertTrue(priv.startsWith("-----BEGIN PRIVATE KEY-----"), priv);
        assertTrue(pub.startsWith("-----BEGIN PUBLIC KEY-----"), pub);
        assertArrayEquals(k.privateKey(), Ed25519Keys.privateKeyFromPem(priv));
        assertArrayEquals(k.publicKey(), Ed25519Keys.publicKeyFromPem(pub));
    }

    @Test
    void pemOfOpenSslIsRead() throws Exception {
        // openssl genpkey -algorithm ed25519 (RFC 8410, section 10.3)
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
                + "-----END PRIVATE KEY-----\n";
        byte[] sk = Ed25519Keys.privateKeyFromPem(pem);
        assertEquals("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842", HexFormat.of().formatHex(sk));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "   ",
        "not pem at all",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n",
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"})
    void malformedOrWrongPemIsRefusedAsMalformed(String pem) {
        refused(Reason.MALFORMED, () -> Ed25519Keys.privateKeyFromPem(pem));
    }

    @Test
    void pemOfAnotherKeyTypeIsRefused() throws Exception {
        java.security.KeyPair ec = java.security.KeyPairGenerator.getInstance("EC", TestPki.BC).generateKeyPair();
        String pub = Ed25519Keys.pem("PUBLIC KEY", ec.getPublic().getEncoded());
        var e = refused(Reason.MALFORMED, () -> Ed25519Keys.publicKeyFromPem(pub));
        assertTrue(e.getMessage().contains("Ed25519"), e.getMessage());
    }

    static BigInteger s(byte[] sig) {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = sig[63 - i];
        }
        return new BigInteger(1, be);
    }

    static byte[] withS(byte[] sig, BigInteger s) {
        byte[] out = sig.clone();
        java.util.Arrays.fill(out, 32, 64, (byte) 0);
        byte[] be = s.toByteArray();
        for (int i = 0; i < be.length && i < 32; i++) {
            out[32 + i] = be[be.length - 1 - i];
        }
        return out;
    }
}
