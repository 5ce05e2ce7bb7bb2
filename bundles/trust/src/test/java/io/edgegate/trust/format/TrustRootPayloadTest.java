package io.edgegate.trust.format;

import static io.edgegate.trust.testing.Fixture.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.testing.SigningKey;
import io.edgegate.trust.testing.TestPki;

class TrustRootPayloadTest {
    private final SigningKey k1 = SigningKey.generate();
    private final SigningKey k2 = SigningKey.generate();

    private static String key(String keyid, byte[] raw) {
        return "{\"keyid\":\"" + keyid + "\",\"ed25519\":\"" + Base64.getEncoder().encodeToString(raw) + "\"}";
    }

    private static TrustRootPayload parse(String keys, int threshold) throws Exception {
        return TrustRootPayload.parse(("{\"version\":1,\"threshold\":" + threshold + ",\"keys\":[" + keys
                + "],\"expires\":\"2030-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writtenRootParsesToTheSame() throws Exception {
        TrustRootPayload root = new TrustRootPayload(4, 2, List.of(k1.rootKey(), k2.rootKey()),
                List.of(Certificates.toPem(TestPki.ca("CN=Test CA").certificate())),
                Instant.parse("2030-01-01T00:00:00Z"));
        TrustRootPayload back = TrustRootPayload.parse(root.toJson());
        assertEquals(root, back);
        assertEquals(1, back.anchorCertificates().size());
    }

    @Test
    void keyidThatIsNotTheKeysHashIsRefused() {
        var e = refused(Reason.MALFORMED, () -> parse(key(k2.keyid(), k1.publicKey()), 1));
        assertTrue(e.getMessage().contains("is not the SHA-256 of its key"), e.getMessage());
    }

    @Test
    void keyListedTwiceIsRefused() {
        refused(Reason.MALFORMED, () -> parse(key(k1.keyid(), k1.publicKey()) + "," + key(k1.keyid(),
                k1.publicKey()), 1));
    }

    @Test
    void thresholdTheKeysCannotMeetIsRefused() {
        refused(Reason.MALFORMED, () -> parse(key(k1.keyid(), k1.publicKey()), 2));
        refused(Reason.MALFORMED, () -> parse(key(k1.keyid(), k1.publicKey()), 0));
        refused(Reason.MALFORMED, () -> parse("", 1));
    }

    @Test
    void keyOfTheWrongLengthIsRefused() {
        byte[] short31 = java.util.Arrays.copyOf(k1.publicKey(), 31);
        refused(Reason.MALFORMED, () -> parse(key(KeyIds.sha256Hex(short31), short31), 1));
    }
}
