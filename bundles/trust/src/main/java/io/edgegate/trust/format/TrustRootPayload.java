package io.edgegate.trust.format;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * What a trust root says (payload type {@link Envelope#TRUST_ROOT_TYPE}): which Ed25519 keys and certificate
 * anchors are trusted, and how many distinct ones must sign.
 *
 * @param version positive; a rotation goes from N to exactly N+1
 * @param threshold how many distinct trusted keys must sign, from 1 to the number of {@code keys}
 * @param keys Ed25519 keys; each a valid key of prime order, no key twice
 * @param anchors PEM certificates that CMS signer chains must end at
 * @param expires after this instant the root verifies no manifest (but can still be rotated)
 */
public record TrustRootPayload(long version, int threshold, List<RootKey> keys, List<String> anchors,
        Instant expires) {
    private static final String WHAT = "trust root";

    public TrustRootPayload {
        keys = List.copyOf(keys);
        anchors = List.copyOf(anchors);
        Objects.requireNonNull(expires, "expires");
    }

    /**
     * Strict parse, including every key and anchor: a small-order or mismatched key, a duplicate key, an anchor
     * that is not one PEM certificate or a threshold the keys cannot meet is {@link Reason#MALFORMED}.
     */
    public static TrustRootPayload parse(byte[] json) throws VerificationException {
        ObjectNode node = Json.readObject(json, WHAT);
        Json.fields(node, WHAT, Set.of("version", "threshold", "keys", "expires"), Set.of("anchors"));
        long version = Json.integer(node, "version", WHAT);
        if (version <= 0) {
            throw Json.malformed(WHAT + ": 'version' must be a positive integer, not " + version);
        }
        long threshold = Json.integer(node, "threshold", WHAT);
        List<RootKey> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<JsonNode> items = Json.array(node, "keys", WHAT);
        for (int i = 0; i < items.size(); i++) {
            String what = WHAT + ": keys[" + i + "]";
            if (!items.get(i).isObject()) {
                throw Json.malformed(what + " must be an object");
            }
            ObjectNode k = (ObjectNode) items.get(i);
            Json.fields(k, what, Set.of("keyid", "ed25519"), Set.of());
            String keyid = Json.hex64(k, "keyid", what);
            byte[] raw = Json.base64(k, "ed25519", what);
            if (raw.length != Ed25519Keys.KEY_SIZE) {
                throw Json.malformed(what + ": an Ed25519 key has 32 bytes, not " + raw.length);
            }
            if (!KeyIds.ofEd25519(raw).equals(keyid)) {
                throw Json.malformed(what + ": keyid " + keyid + " is not the SHA-256 of its key");
            }
            if (!Ed25519Keys.isValidPublicKey(raw)) {
                throw Json.malformed(what + ": key " + keyid + " is not a valid Ed25519 public key of prime order "
                        + "(a small-order key would let anyone forge its signatures)");
            }
            if (!seen.add(keyid)) {
                throw Json.malformed(what + ": key " + keyid + " is listed twice");
            }
            keys.add(new RootKey(keyid, raw));
        }
        if (threshold < 1 || threshold > keys.size()) {
            throw Json.malformed(WHAT + ": 'threshold' must be between 1 and the number of keys (" + keys.size()
                    + "), not " + threshold);
        }
        List<String> anchors = node.has("anchors") ? Json.strings(node, "anchors", WHAT) : List.of();
        for (int i = 0; i < anchors.size(); i++) {
            try {
                Certificates.fromPem(anchors.get(i));
            } catch (VerificationException e) {
                throw new VerificationException(Reason.MALFORMED, WHAT + ": anchors[" + i + "]: " + e.getMessage(), e);
            }
        }
        Instant expires = Json.instant(node, "expires", WHAT);
        return new TrustRootPayload(version, (int) threshold, keys, anchors, expires);
    }

    /** The anchors, parsed. */
    public List<X509Certificate> anchorCertificates() throws VerificationException {
        List<X509Certificate> out = new ArrayList<>();
        for (String pem : anchors) {
            out.add(Certificates.fromPem(pem));
        }
        return out;
    }

    public byte[] toJson() {
        ObjectNode node = Json.object();
        node.put("version", version);
        node.put("threshold", threshold);
        ArrayNode k = node.putArray("keys");
        for (RootKey key : keys) {
            k.addObject().put("keyid", key.keyid()).put("ed25519", Json.base64(key.ed25519()));
        }
        if (!anchors.isEmpty()) {
            anchors.forEach(node.putArray("anchors")::add);
        }
        node.put("expires", expires.toString());
        return Json.write(node);
    }

    /** An unsigned envelope holding this root. */
    public Envelope toEnvelope() {
        return Envelope.unsigned(Envelope.TRUST_ROOT_TYPE, toJson());
    }
}
