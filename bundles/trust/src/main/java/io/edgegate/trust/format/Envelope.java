package io.edgegate.trust.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * A DSSE envelope: a typed payload and signatures over {@link #pae() PAE(payloadType, payload)}. Immutable; the
 * {@code signed…} methods return a copy with one more signature.
 *
 * @param payloadType what the payload is, e.g. {@link #MANIFEST_TYPE}
 * @param payload the raw payload bytes, exactly as signed
 * @param signatures in envelope order
 */
public record Envelope(String payloadType, byte[] payload, List<Signature> signatures) {
    /** Payload type of an artifact manifest. */
    public static final String MANIFEST_TYPE = "application/vnd.edgegate.manifest+json";
    /** Payload type of a trust root. */
    public static final String TRUST_ROOT_TYPE = "application/vnd.edgegate.trust-root+json";
    /** The largest envelope read, in bytes. */
    public static final int MAX_SIZE = 1 << 20;

    private static final String WHAT = "envelope";

    /**
     * One signature. Exactly one of {@code sig} (Ed25519) and {@code cms} (detached CMS SignedData, DER) is set.
     *
     * @param keyid lower-case hex SHA-256 of the raw Ed25519 key, or of the signer certificate's
     *        SubjectPublicKeyInfo
     */
    public record Signature(String keyid, byte[] sig, byte[] cms) {
        public Signature {
            Objects.requireNonNull(keyid, "keyid");
            if ((sig == null) == (cms == null)) {
                throw new IllegalArgumentException("a signature has either sig or cms");
            }
            sig = sig == null ? null : sig.clone();
            cms = cms == null ? null : cms.clone();
        }

        public static Signature ed25519(String keyid, byte[] sig) {
            return new Signature(keyid, sig, null);
        }

        public static Signature cms(String keyid, byte[] cms) {
            return new Signature(keyid, null, cms);
        }

        public boolean isCms() {
            return cms != null;
        }

        @Override
        public byte[] sig() {
            return sig == null ? null : sig.clone();
        }

        @Override
        public byte[] cms() {
            return cms == null ? null : cms.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature s && keyid.equals(s.keyid) && Arrays.equals(sig, s.sig)
                    && Arrays.equals(cms, s.cms);
        }

        @Override
        public int hashCode() {
            return Objects.hash(keyid, Arrays.hashCode(sig), Arrays.hashCode(cms));
        }

        @Override
        public String toString() {
            return (isCms() ? "cms" : "ed25519") + " signature by " + keyid;
        }
    }

    public Envelope {
        Objects.requireNonNull(payloadType, "payloadType");
        payload = Objects.requireNonNull(payload, "payload").clone();
        signatures = List.copyOf(signatures);
    }

    /** An envelope without signatures, to sign. */
    public static Envelope unsigned(String payloadType, byte[] payload) {
        return new Envelope(payloadType, payload, List.of());
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The bytes every signature covers. */
    public byte[] pae() {
        return pae(payloadType, payload);
    }

    /**
     * DSSE's pre-authentication encoding:
     * {@code "DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload}, lengths in bytes as ASCII decimal.
     */
    public static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(type.length + payload.length + 32);
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** A copy with one more Ed25519 signature by {@code privateKey} (32-byte seed). */
    public Envelope signedEd25519(byte[] privateKey) {
        byte[] publicKey = Ed25519Keys.publicKey(privateKey);
        return with(Signature.ed25519(KeyIds.ofEd25519(publicKey), Ed25519Signatures.sign(privateKey, pae())));
    }

    /**
     * A copy with one more CMS signature by {@code key}, embedding {@code chain} (signer certificate first, then
     * the intermediates; the anchor may be left out).
     *
     * @throws IllegalArgumentException if the key cannot sign or the chain is empty
     */
    public Envelope signedCms(PrivateKey key, List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the chain needs at least the signer's certificate");
        }
        byte[] cms = CmsSignatures.sign(pae(), key, chain);
        return with(Signature.cms(KeyIds.ofCertificate(chain.get(0)), cms));
    }

    /** A copy with {@code signature} added. */
    public Envelope with(Signature signature) {
        List<Signature> all = new ArrayList<>(signatures);
        all.add(signature);
        return new Envelope(payloadType, payload, all);
    }

    /** Reads at most {@link #MAX_SIZE} bytes and parses them. */
    public static Envelope read(InputStream in) throws VerificationException {
        return parse(readBounded(in, MAX_SIZE, WHAT));
    }

    /** Strict parse: unknown or missing fields, wrong types and bad base64 are {@link Reason#MALFORMED}. */
    public static Envelope parse(byte[] json) throws VerificationException {
        ObjectNode node = Json.readObject(json, WHAT);
        Json.fields(node, WHAT, Set.of("payloadType", "payload", "signatures"), Set.of());
        String type = Json.text(node, "payloadType", WHAT);
        if (type.isEmpty()) {
            throw Json.malformed(WHAT + ": 'payloadType' is empty");
        }
        byte[] payload = Json.base64(node, "payload", WHAT);
        List<Signature> signatures = new ArrayList<>();
        List<JsonNode> items = Json.array(node, "signatures", WHAT);
        for (int i = 0; i < items.size(); i++) {
            String what = WHAT + ": signatures[" + i + "]";
            if (!items.get(i).isObject()) {
                throw Json.malformed(what + " must be an object");
            }
            ObjectNode s = (ObjectNode) items.get(i);
            Json.fields(s, what, Set.of("keyid"), Set.of("sig", "cms"));
            String keyid = Json.hex64(s, "keyid", what);
            if (s.has("sig") == s.has("cms")) {
                throw Json.malformed(what + " must have exactly one of 'sig' and 'cms'");
            }
            signatures.add(s.has("sig") ? Signature.ed25519(keyid, Json.base64(s, "sig", what))
                    : Signature.cms(keyid, Json.base64(s, "cms", what)));
        }
        return new Envelope(type, payload, signatures);
    }

    /** The envelope as JSON (indented; signatures do not depend on the envelope's formatting). */
    public byte[] toJson() {
        ObjectNode node = Json.object();
        node.put("payloadType", payloadType);
        node.put("payload", Json.base64(payload));
        ArrayNode sigs = node.putArray("signatures");
        for (Signature s : signatures) {
            ObjectNode o = sigs.addObject();
            o.put("keyid", s.keyid());
            if (s.isCms()) {
                o.put("cms", Json.base64(s.cms));
            } else {
                o.put("sig", Json.base64(s.sig));
            }
        }
        return Json.write(node);
    }

    /**
     * Reads all of {@code in} up to {@code max} bytes.
     *
     * @throws VerificationException {@link Reason#MALFORMED} if empty or larger, {@link Reason#IO} if reading
     *         fails
     */
    public static byte[] readBounded(InputStream in, int max, String what) throws VerificationException {
        Objects.requireNonNull(in, what);
        byte[] bytes;
        try {
            bytes = in.readNBytes(max + 1);
        } catch (IOException e) {
            throw new VerificationException(Reason.IO, "cannot read the " + what + ": " + e.getMessage(), e);
        }
        if (bytes.length == 0) {
            throw Json.malformed(what + " is empty");
        }
        if (bytes.length > max) {
            throw Json.malformed(what + " is larger than " + max + " bytes");
        }
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && payloadType.equals(e.payloadType) && Arrays.equals(payload, e.payload)
                && signatures.equals(e.signatures);
    }

    @Override
    public int hashCode() {
        return Objects.hash(payloadType, Arrays.hashCode(payload), signatures);
    }

    @Override
    public String toString() {
        return "Envelope[" + payloadType + ", " + payload.length + " bytes, " + signatures + "]";
    }
}
