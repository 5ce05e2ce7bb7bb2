package io.edgegate.trust.format;

import java.util.Arrays;
import java.util.Objects;

/**
 * An Ed25519 key listed in a trust root.
 *
 * @param keyid lower-case hex SHA-256 of {@code ed25519}
 * @param ed25519 the raw 32-byte public key
 */
public record RootKey(String keyid, byte[] ed25519) {
    public RootKey {
        Objects.requireNonNull(keyid, "keyid");
        ed25519 = ed25519.clone();
    }

    /** The entry for {@code publicKey}, with its key id computed. */
    public static RootKey of(byte[] publicKey) {
        return new RootKey(KeyIds.ofEd25519(publicKey), publicKey);
    }

    @Override
    public byte[] ed25519() {
        return ed25519.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RootKey k && keyid.equals(k.keyid) && Arrays.equals(ed25519, k.ed25519);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyid, Arrays.hashCode(ed25519));
    }

    @Override
    public String toString() {
        return "RootKey[" + keyid + "]";
    }
}
