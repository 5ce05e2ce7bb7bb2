package io.edgegate.trust.impl;

import static io.edgegate.trust.testing.Fixture.IN_TEN_YEARS;
import static io.edgegate.trust.testing.Fixture.bytes;
import static io.edgegate.trust.testing.Fixture.in;
import static io.edgegate.trust.testing.Fixture.model;
import static io.edgegate.trust.testing.Fixture.refused;
import static io.edgegate.trust.testing.Fixture.root;
import static io.edgegate.trust.testing.Fixture.sign;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.VerifiedArtifact;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.testing.Fixture;
import io.edgegate.trust.testing.SigningKey;

/** Loading the trust root, and replacing it with exactly the next one. */
class RootRotationTest {
    private static final byte[] MODEL = bytes(1_000, 5);
    /** The curve's point of order 2, (0, -1): anyone can make signatures that such a key "verifies". */
    private static final byte[] ORDER_2 = HexFormat.of()
            .parseHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

    @TempDir
    Path home;
    Fixture f;
    SigningKey n1 = SigningKey.generate();
    SigningKey n2 = SigningKey.generate();

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(home).withRoot(2);
    }

    /** Root 2 with keys n1, n2 (threshold 2), signed by the given keys. */
    private byte[] root2(SigningKey... signers) {
        return root(2, 2, List.of(n1, n2), List.of(), IN_TEN_YEARS, signers);
    }

    @Test
    void properlyRotatedRootIsAcceptedAndVerifiesManifestsOfTheNewKeysOnly() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        byte[] oldRoot = Files.readAllBytes(f.rootFile);
        assertEquals(2, v.rotateRoot(in(root2(f.k1, f.k2, n1, n2))));
        assertEquals(2, v.rootVersion());

        VerifiedArtifact a = v.verify(ArtifactType.MODEL, "minilm", in(sign(model("minilm", 1, MODEL), n1, n2)),
                in(MODEL));
        assertEquals(List.of(n1.keyid(), n2.keyid()), a.signers());
        refused(Reason.UNTRUSTED_KEY, () -> v.verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, MODEL), f.k1, f.k2)), in(MODEL)));

        assertArrayEquals(oldRoot, Files.readAllBytes(f.rootFile.resolveSibling("trust-root.1.json")));
        BouncyCastleArtifactVerifier restarted = f.verifier();
        assertEquals(2, restarted.rootVersion(), "the new root is what a restart loads");
        restarted.verify(ArtifactType.MODEL, "minilm", in(sign(model("minilm", 1, MODEL), n1, n2)), in(MODEL));
    }

    @Test
    void rotationThatSkipsAVersionIsRefused() throws Exception {
        byte[] root3 = root(3, 2, List.of(n1, n2), List.of(), IN_TEN_YEARS, f.k1, f.k2, n1, n2);
        var e = refused(Reason.BAD_ROOT_ROTATION, () -> f.verifier().rotateRoot(in(root3)));
        assertTrue(e.getMessage().contains("only version 2"), e.getMessage());
    }

    @Test
    void rotationToTheSameVersionIsRefused() throws Exception {
        byte[] again = root(1, 1, List.of(n1), List.of(), IN_TEN_YEARS, f.k1, f.k2, n1);
        refused(Reason.BAD_ROOT_ROTATION, () -> f.verifier().rotateRoot(in(again)));
    }

    @Test
    void rotationNotSignedByTheOldRootIsRefused() throws Exception {
        BouncyCastleArtifactVerifier v = f.verifier();
        var e = refused(Reason.BAD_ROOT_ROTATION, () -> v.rotateRoot(in(root2(n1, n2))));
        assertTrue(e.getMessage().contains("root 1's keys"), e.getMessage());
        assertEquals(1, v.rootVersion());
        assertTrue(Files.notExists(f.rootFile.resolveSibling("trust-root.1.json")), "nothing was replaced");
    }

    @Test
    void rotationBelowTheOldThresholdIsRefused() throws Exception {
        refused(Reason.BAD_ROOT_ROTATION, () -> f.verifier().rotateRoot(in(root2(f.k1, n1, n2))));
    }

    @Test
    void rotationNotSignedByItsOwnKeysIsRefused() throws Exception {
        var e = refused(Reason.BAD_ROOT_ROTATION, () -> f.verifier().rotateRoot(in(root2(f.k1, f.k2, n1))));
        assertTrue(e.getMessage().contains("its own keys"), e.getMessage());
    }

    @Test
    void expiredNewRootIsRefused() throws Exception {
        byte[] stale = root(2, 2, List.of(n1, n2), List.of(), Instant.now().minusSeconds(5), f.k1, f.k2, n1, n2);
        refused(Reason.EXPIRED, () -> f.verifier().rotateRoot(in(stale)));
    }

    @Test
    void olderRootPutBackAfterARotationIsRefusedAtStart() throws Exception {
        byte[] oldRoot = Files.readAllBytes(f.rootFile);
        f.verifier().rotateRoot(in(root2(f.k1, f.k2, n1, n2)));
        f.installRoot(oldRoot);
        var e = refused(Reason.REPLAYED, f::verifier);
        assertTrue(e.getMessage().contains("older root"), e.getMessage());
    }

    @Test
    void smallOrderKeyInTheRootIsRefusedWhenTheRootLoads() throws Exception {
        f.installRoot(rootWithSmallOrderKey(1));
        var e = refused(Reason.MALFORMED, f::verifier);
        assertTrue(e.getMessage().contains("prime order"), e.getMessage());
    }

    @Test
    void rotationToARootWithASmallOrderKeyIsRefused() throws Exception {
        refused(Reason.MALFORMED, () -> f.verifier().rotateRoot(in(rootWithSmallOrderKey(2))));
    }

    @Test
    void rootNotSignedByItsOwnThresholdIsRefusedAtStart() throws Exception {
        f.installRoot(root(1, 2, List.of(f.k1, f.k2), List.of(), IN_TEN_YEARS, f.k1));
        refused(Reason.BELOW_THRESHOLD, f::verifier);
    }

    @Test
    void missingRootStopsAnEnforcingVerifier() throws Exception {
        Files.delete(f.rootFile);
        var e = refused(Reason.IO, f::verifier);
        assertTrue(e.getMessage().contains("no trust root"), e.getMessage());
    }

    @Test
    void garbageRootFileIsMalformed() throws Exception {
        Files.writeString(f.rootFile, "{\"payloadType\": \"application/vnd.edgegate.trust-root+json\"");
        refused(Reason.MALFORMED, f::verifier);
    }

    /** A signed root whose key list holds the order-2 point beside k1 (the payload is written by hand). */
    private byte[] rootWithSmallOrderKey(long version) {
        String payload = "{\"version\":" + version + ",\"threshold\":1,\"keys\":["
                + "{\"keyid\":\"" + f.k1.keyid() + "\",\"ed25519\":\""
                + Base64.getEncoder().encodeToString(f.k1.publicKey()) + "\"},"
                + "{\"keyid\":\"" + KeyIds.ofEd25519(ORDER_2) + "\",\"ed25519\":\""
                + Base64.getEncoder().encodeToString(ORDER_2) + "\"}],"
                + "\"expires\":\"" + IN_TEN_YEARS + "\"}";
        return io.edgegate.trust.format.Envelope.unsigned(io.edgegate.trust.format.Envelope.TRUST_ROOT_TYPE,
                payload.getBytes(java.nio.charset.StandardCharsets.UTF_8)).signedEd25519(f.k1.privateKey())
                .signedEd25519(f.k2.privateKey()).toJson();
    }
}
