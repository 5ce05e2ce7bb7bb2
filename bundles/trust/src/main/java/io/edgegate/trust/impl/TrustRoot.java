package io.edgegate.trust.impl;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.RootKey;
import io.edgegate.trust.format.TrustRootPayload;

/** A parsed trust root: its envelope bytes as they will be stored, its keys by id and its anchors. */
final class TrustRoot {
    final byte[] bytes;
    final Envelope envelope;
    final TrustRootPayload payload;
    final Map<String, byte[]> keys = new LinkedHashMap<>();
    final List<X509Certificate> anchors;

    private TrustRoot(byte[] bytes, Envelope envelope, TrustRootPayload payload) throws VerificationException {
        this.bytes = bytes.clone();
        this.envelope = envelope;
        this.payload = payload;
        for (RootKey k : payload.keys()) {
            keys.put(k.keyid(), k.ed25519());
        }
        this.anchors = List.copyOf(payload.anchorCertificates());
    }

    /** Parses, without checking any signature: see {@link ThresholdCheck}. */
    static TrustRoot parse(byte[] bytes) throws VerificationException {
        Envelope envelope = Envelope.parse(bytes);
        if (!Envelope.TRUST_ROOT_TYPE.equals(envelope.payloadType())) {
            throw new VerificationException(Reason.MALFORMED, "not a trust root: payloadType is '"
                    + envelope.payloadType() + "', expected " + Envelope.TRUST_ROOT_TYPE);
        }
        return new TrustRoot(bytes, envelope, TrustRootPayload.parse(envelope.payload()));
    }

    long version() {
        return payload.version();
    }

    int threshold() {
        return payload.threshold();
    }

    Instant expires() {
        return payload.expires();
    }
}
