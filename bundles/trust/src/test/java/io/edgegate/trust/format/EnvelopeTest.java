package io.edgegate.trust.format;

import static io.edgegate.trust.testing.Fixture.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.testing.SigningKey;

class EnvelopeTest {

    @Test
    void paeMatchesTheDsseSpecification() {
        // the example of github.com/secure-systems-lab/dsse, protocol.md
        byte[] pae = Envelope.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8));
        assertEquals("DSSEv1 29 http://example.com/HelloWorld 11 hello world",
                new String(pae, StandardCharsets.UTF_8));
    }

    @Test
    void paeCountsBytesNotCharacters() {
        byte[] pae = Envelope.pae("t", "é".getBytes(StandardCharsets.UTF_8));
        assertEquals("DSSEv1 1 t 2 é", new String(pae, StandardCharsets.UTF_8));
    }

    @Test
    void signedEnvelopeSurvivesAWriteAndReadAndItsSignatureVerifies() throws Exception {
        SigningKey k = SigningKey.generate();
        Envelope e = Envelope.unsigned(Envelope.MANIFEST_TYPE, "{\"a\":1}".getBytes()).signedEd25519(k.privateKey());
        Envelope back = Envelope.read(new ByteArrayInputStream(e.toJson()));
        assertEquals(e, back);
        assertEquals(k.keyid(), back.signatures().get(0).keyid());
        Ed25519Signatures.verify(k.publicKey(), back.pae(), back.signatures().get(0).sig());
    }

    @Test
    void urlSafeBase64IsAcceptedAsDsseAllows() throws Exception {
        byte[] payload = {(byte) 0xfb, (byte) 0xff, (byte) 0xfe};
        String json = "{\"payloadType\":\"t\",\"payload\":\"" + Base64.getUrlEncoder().encodeToString(payload)
                + "\",\"signatures\":[]}";
        assertArrayEquals(payload, Envelope.parse(json.getBytes()).payload());
    }

    @Test
    void unknownFieldIsRefusedByName() {
        var e = refused(Reason.MALFORMED, () -> Envelope.parse(
                "{\"payloadType\":\"t\",\"payload\":\"\",\"signatures\":[],\"payloadtype\":\"u\"}".getBytes()));
        assertTrue(e.getMessage().contains("unknown field 'payloadtype'"), e.getMessage());
    }

    @Test
    void duplicateFieldIsRefused() {
        refused(Reason.MALFORMED, () -> Envelope.parse(
                "{\"payloadType\":\"t\",\"payload\":\"\",\"payload\":\"e30=\",\"signatures\":[]}".getBytes()));
    }

    @Test
    void wrongTypeIsRefusedByName() {
        var e = refused(Reason.MALFORMED, () -> Envelope.parse(
                "{\"payloadType\":7,\"payload\":\"\",\"signatures\":[]}".getBytes()));
        assertTrue(e.getMessage().contains("'payloadType' must be a string, not a number"), e.getMessage());
    }

    @Test
    void oversizedInputIsRefusedWithoutReadingItAll() {
        byte[] big = new byte[Envelope.MAX_SIZE * 3];
        ByteArrayInputStream in = new ByteArrayInputStream(big);
        refused(Reason.MALFORMED, () -> Envelope.read(in));
        assertEquals(Envelope.MAX_SIZE * 2 - 1, in.available(), "read only MAX_SIZE + 1 bytes");
    }

    @Test
    void signaturesKeepTheirOrderAndKind() {
        SigningKey k = SigningKey.generate();
        Envelope e = Envelope.unsigned("t", new byte[0]).signedEd25519(k.privateKey())
                .with(Envelope.Signature.cms("b".repeat(64), new byte[] {1, 2}));
        assertEquals(List.of(false, true), e.signatures().stream().map(Envelope.Signature::isCms).toList());
    }
}
