package io.edgegate.edgectl;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.format.Certificates;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.RootKey;
import io.edgegate.trust.format.TrustRootPayload;
import io.edgegate.trust.impl.BouncyCastleArtifactVerifier;

/** Building trust roots, and checking them with the gateway's verifier before anything is written. */
final class Roots {
    private Roots() {
    }

    /** Private keys by key id, in the order given; a file given twice (or two copies of a key) counts once. */
    static Map<String, byte[]> privateKeys(List<Path> files) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Path f : files) {
            byte[] sk = Io.ed25519PrivateKey(f);
            out.putIfAbsent(KeyIds.ofEd25519(Ed25519Keys.publicKey(sk)), sk);
        }
        return out;
    }

    /** The root's key list: the signing keys' public halves, then the public-only keys, each once. */
    static List<RootKey> rootKeys(Map<String, byte[]> signing, List<Path> publicOnly) {
        Map<String, RootKey> keys = new LinkedHashMap<>();
        signing.values().forEach(sk -> {
            RootKey k = RootKey.of(Ed25519Keys.publicKey(sk));
            keys.putIfAbsent(k.keyid(), k);
        });
        for (Path p : publicOnly) {
            byte[] pk = Io.ed25519PublicKey(p);
            if (!Ed25519Keys.isValidPublicKey(pk)) {
                throw Failure.usage("public key " + p + " is not a valid Ed25519 key of prime order");
            }
            RootKey k = RootKey.of(pk);
            keys.putIfAbsent(k.keyid(), k);
        }
        return new ArrayList<>(keys.values());
    }

    static List<String> anchors(List<Path> files) {
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            for (X509Certificate c : Io.certificates(f)) {
                out.add(Certificates.toPem(c));
            }
        }
        return out;
    }

    static void checkThreshold(int threshold, int keys, int signing) {
        if (threshold < 1 || threshold > keys) {
            throw Failure.usage("--threshold must be between 1 and the number of keys in the root (" + keys
                    + "), not " + threshold);
        }
        if (signing < threshold) {
            throw Failure.usage("the root needs " + threshold + " of its own keys to sign it, but --key gives "
                    + signing);
        }
    }

    static void checkExpiry(Instant expires) {
        if (!expires.isAfter(Instant.now())) {
            throw Failure.usage("--expires " + expires + " is not in the future");
        }
    }

    static Envelope sign(TrustRootPayload payload, Iterable<byte[]> privateKeys) {
        Envelope e = payload.toEnvelope();
        for (byte[] sk : privateKeys) {
            e = e.signedEd25519(sk);
        }
        return e;
    }

    /** The old root, parsed strictly (its signatures are checked by {@link #rotate}). */
    static TrustRootPayload read(Path file, byte[] bytes) {
        try {
            Envelope e = Envelope.parse(bytes);
            if (!Envelope.TRUST_ROOT_TYPE.equals(e.payloadType())) {
                throw Failure.usage("--root " + file + " is not a trust root but a " + e.payloadType());
            }
            return TrustRootPayload.parse(e.payload());
        } catch (VerificationException e) {
            throw Failure.usage("--root " + file + ": " + e.getMessage());
        }
    }

    /** Loads {@code root} into a gateway verifier over a scratch folder: a root it refuses is refused here. */
    static void checkLoads(byte[] root) {
        withVerifier(root, v -> {
        });
    }

    /** Rotates a scratch gateway from {@code oldRoot} to {@code newRoot} with the gateway's own checks. */
    static void checkRotation(byte[] oldRoot, byte[] newRoot) {
        withVerifier(oldRoot, v -> {
            try {
                v.rotateRoot(new ByteArrayInputStream(newRoot));
            } catch (VerificationException e) {
                throw Failure.refused("a gateway on the old root would refuse the new one: " + e.reason() + ": "
                        + e.getMessage());
            }
        });
    }

    private interface VerifierUse {
        void accept(BouncyCastleArtifactVerifier verifier);
    }

    private static void withVerifier(byte[] root, VerifierUse use) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("edgectl-root");
            Path rootFile = scratch.resolve("trust-root.json");
            Files.write(rootFile, root);
            BouncyCastleArtifactVerifier v;
            try {
                v = new BouncyCastleArtifactVerifier(rootFile, scratch.resolve("state"), "edgectl", "edgectl", true);
            } catch (VerificationException e) {
                throw Failure.refused("a gateway would not load the root: " + e.reason() + ": " + e.getMessage());
            }
            use.accept(v);
        } catch (IOException e) {
            throw Failure.usage("cannot use a temporary folder: " + e.getMessage());
        } finally {
            Io.deleteTree(scratch);
        }
    }
}
