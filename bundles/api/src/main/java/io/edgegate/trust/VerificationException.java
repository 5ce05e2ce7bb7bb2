package io.edgegate.trust;

import java.util.Objects;

/** An artifact that must not be installed, and why. */
public class VerificationException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why verification failed. */
    public enum Reason {
        /** Not a manifest: malformed JSON, base64, PEM or DER, or empty input. */
        MALFORMED,
        /** No signature at all. */
        UNSIGNED,
        /** Signed, but by no key or certificate the trust root knows. */
        UNTRUSTED_KEY,
        /** A signature that does not verify. */
        BAD_SIGNATURE,
        /** A certificate chain not ending at a pinned anchor, without codeSigning usage, or out of validity. */
        BAD_CERTIFICATE,
        /** Fewer distinct trusted keys signed than the threshold asks. */
        BELOW_THRESHOLD,
        /** The content does not match the manifest's sha256 or length. */
        CONTENT_MISMATCH,
        /** The manifest is for another type or name than the caller is installing. */
        WRONG_ARTIFACT,
        /** The manifest names other gateways or hardware. */
        WRONG_TARGET,
        /** The manifest has expired. */
        EXPIRED,
        /** Not newer than the highest version already accepted, and no signed rollback names it. */
        REPLAYED,
        /** A trust root that is not exactly the next version, or not signed by both old and new keys. */
        BAD_ROOT_ROTATION,
        /** The gateway could not read or write its own files. */
        IO
    }

    private final Reason reason;

    public VerificationException(Reason reason, String message) {
        this(reason, message, null);
    }

    public VerificationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
