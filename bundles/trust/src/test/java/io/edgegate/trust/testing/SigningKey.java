package io.edgegate.trust.testing;

import java.security.SecureRandom;

import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.RootKey;

/** An Ed25519 key pair for tests. */
public record SigningKey(byte[] privateKey, byte[] publicKey, String keyid) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public static SigningKey generate() {
        byte[] sk = Ed25519Keys.generatePrivateKey(RANDOM);
        byte[] pk = Ed25519Keys.publicKey(sk);
        return new SigningKey(sk, pk, KeyIds.ofEd25519(pk));
    }

    public RootKey rootKey() {
        return new RootKey(keyid, publicKey);
    }
}
