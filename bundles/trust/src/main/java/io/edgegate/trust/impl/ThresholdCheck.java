package io.edgegate.trust.impl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.format.CmsSignatures;
import io.edgegate.trust.format.Ed25519Signatures;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.Envelope.Signature;

/**
 * Counts the distinct trusted keys that signed an envelope. Every signature must either verify or be an Ed25519
 * signature by a key the root does not list (ignored: an envelope may carry signatures for other verifiers); a
 * bad signature by a trusted key, or any CMS signature that does not verify to a pinned anchor, refuses the whole
 * envelope rather than being outvoted.
 */
final class ThresholdCheck {
    private ThresholdCheck() {
    }

    /**
     * @param cmsCounts whether CMS signatures count (manifests); trust roots are signed by root keys only, so for
     *        them CMS signatures are ignored like unknown keys
     * @return the ids of the signatures that counted, one per distinct trusted key, in envelope order
     */
    static List<String> check(Envelope envelope, TrustRoot root, boolean cmsCounts, Instant now)
            throws VerificationException {
        List<Signature> signatures = envelope.signatures();
        if (signatures.isEmpty()) {
            throw new VerificationException(Reason.UNSIGNED, "the envelope has no signature");
        }
        byte[] pae = envelope.pae();
        // key that counts -> key id reported; a CMS signature counts for the anchor its chain ends at
        Map<String, String> counted = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Signature s : signatures) {
            if (s.isCms()) {
                if (!cmsCounts) {
                    unknown.add(s.keyid() + " (cms)");
                    continue;
                }
                CmsSignatures.Signer signer = CmsSignatures.verify(pae, s.cms(), root.anchors, now);
                if (!signer.keyid().equals(s.keyid())) {
                    throw new VerificationException(Reason.BAD_SIGNATURE, "signature keyid " + s.keyid()
                            + " is not the key id of its CMS signer certificate (" + signer.keyid() + ")");
                }
                counted.putIfAbsent("anchor:" + signer.anchorKeyid(), signer.keyid());
            } else {
                byte[] key = root.keys.get(s.keyid());
                if (key == null) {
                    unknown.add(s.keyid());
                    continue;
                }
                try {
                    Ed25519Signatures.verify(key, pae, s.sig());
                } catch (VerificationException e) {
                    throw new VerificationException(e.reason(), "signature by trusted key " + s.keyid() + ": "
                            + e.getMessage(), e);
                }
                counted.putIfAbsent(s.keyid(), s.keyid());
            }
        }
        if (counted.isEmpty()) {
            throw new VerificationException(Reason.UNTRUSTED_KEY, "none of the " + signatures.size()
                    + " signature(s) is by a key trust root " + root.version() + " knows; signed by " + unknown);
        }
        if (counted.size() < root.threshold()) {
            throw new VerificationException(Reason.BELOW_THRESHOLD, counted.size() + " distinct trusted key(s) "
                    + "signed, trust root " + root.version() + " needs " + root.threshold() + "; counted "
                    + counted.values());
        }
        return List.copyOf(counted.values());
    }
}
