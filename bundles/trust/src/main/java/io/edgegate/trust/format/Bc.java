package io.edgegate.trust.format;

import java.security.Provider;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** One BouncyCastle provider instance, used by reference and never registered with {@code Security}. */
final class Bc {
    static final Provider PROVIDER = new BouncyCastleProvider();

    private Bc() {
    }
}
