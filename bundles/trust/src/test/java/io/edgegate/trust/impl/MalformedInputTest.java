package io.edgegate.trust.impl;

import static io.edgegate.trust.testing.Fixture.bytes;
import static io.edgegate.trust.testing.Fixture.in;
import static io.edgegate.trust.testing.Fixture.refused;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.testing.Fixture;

/** Whatever arrives as a manifest or a root, the answer is MALFORMED with a message: never an NPE or a raw parser error. */
class MalformedInputTest {
    private static final byte[] MODEL = bytes(100, 1);
    private static final String K = "a".repeat(64);

    @TempDir
    Path home;
    Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(home).withRoot(1);
    }

    static Stream<String> garbage() {
        return Stream.of(
                "", " ", "null", "[]", "\"envelope\"", "42", "{", "{}", "}{", "{\"payloadType\":}",
                "\u0000\u0001\u0002", "\ufeff{", "<?xml version=\"1.0\"?><envelope/>",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\"}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\",\"signatures\":{}}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"%%%\",\"signatures\":[]}",
                "{\"payloadType\":null,\"payload\":\"e30=\",\"signatures\":[]}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\",\"signatures\":[null]}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\",\"signatures\":[{}]}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\","
                        + "\"signatures\":[{\"keyid\":\"" + K + "\"}]}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\","
                        + "\"signatures\":[{\"keyid\":\"" + K + "\",\"sig\":\"AAAA\",\"cms\":\"AAAA\"}]}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\","
                        + "\"signatures\":[{\"keyid\":\"ABC\",\"sig\":\"AAAA\"}]}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\","
                        + "\"signatures\":[{\"keyid\":\"" + K + "\",\"sig\":\"!!\"}]}",
                "{\"payloadType\":\"x\",\"payloadType\":\"y\",\"payload\":\"e30=\",\"signatures\":[]}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\",\"signatures\":[],"
                        + "\"extra\":1}",
                "{\"payloadType\":\"application/vnd.edgegate.manifest+json\",\"payload\":\"e30=\",\"signatures\":[]} {}");
    }

    @ParameterizedTest
    @MethodSource("garbage")
    void garbageManifestIsMalformed(String manifest) {
        var e = refused(Reason.MALFORMED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(manifest.getBytes(StandardCharsets.UTF_8)), in(MODEL)));
        assertTrue(e.getMessage().length() < 500, "a message, not a dump: " + e.getMessage());
    }

    @Test
    void signedPayloadThatIsNotAManifestIsMalformed() throws Exception {
        byte[] signedGarbage = io.edgegate.trust.format.Envelope.unsigned(
                io.edgegate.trust.format.Envelope.MANIFEST_TYPE, "{\"type\":\"model\"}".getBytes())
                .signedEd25519(f.k1.privateKey()).toJson();
        var e = refused(Reason.MALFORMED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(signedGarbage),
                in(MODEL)));
        assertTrue(e.getMessage().contains("missing field"), e.getMessage());
    }

    @Test
    void emptyRootIsMalformed() throws Exception {
        refused(Reason.MALFORMED, () -> f.verifier().rotateRoot(in(new byte[0])));
    }

    @Test
    void rootWithMalformedAnchorPemIsMalformed() throws Exception {
        String payload = "{\"version\":2,\"threshold\":1,\"keys\":[{\"keyid\":\"" + f.k1.keyid() + "\",\"ed25519\":\""
                + java.util.Base64.getEncoder().encodeToString(f.k1.publicKey()) + "\"}],\"anchors\":["
                + "\"-----BEGIN CERTIFICATE-----\\nMIIBroken==\\n-----END CERTIFICATE-----\\n\"],"
                + "\"expires\":\"2099-01-01T00:00:00Z\"}";
        byte[] root = io.edgegate.trust.format.Envelope.unsigned(io.edgegate.trust.format.Envelope.TRUST_ROOT_TYPE,
                payload.getBytes()).signedEd25519(f.k1.privateKey()).toJson();
        var e = refused(Reason.MALFORMED, () -> f.verifier().rotateRoot(in(root)));
        assertTrue(e.getMessage().contains("anchors[0]"), e.getMessage());
    }
}
