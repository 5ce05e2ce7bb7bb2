package io.edgegate.deploy;

import java.util.Objects;
import java.util.Optional;

import io.edgegate.trust.VerificationException;

/** A bundle that was not deployed, and why. */
public class DeployException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a deployment failed. Unless the reason says otherwise, nothing was installed or changed. */
    public enum Reason {
        /** The signed manifest or the jar did not verify; {@link DeployException#verificationReason()} says how. */
        VERIFICATION_FAILED,
        /** The jar is not a bundle the framework accepts: no manifest, no Bundle-SymbolicName, a fragment, or
         *  refused by the framework at install or update. */
        INVALID_BUNDLE,
        /** The jar's Bundle-SymbolicName is not the signed name, or the name is ambiguous among installed bundles. */
        WRONG_BUNDLE,
        /** The bundle may not be replaced while the gateway runs (the framework, ONNX Runtime, trust, the deployer
         *  and what it depends on, or a bundle configured as protected). */
        PROTECTED,
        /** The new version did not start or broke a bundle that was active; the previous state was restored. */
        START_FAILED_ROLLED_BACK,
        /** The new version did not start and restoring the previous one failed too: the bundle needs attention. */
        ROLLBACK_FAILED,
        /** The gateway could not read or write its own files. */
        IO
    }

    private final Reason reason;

    public DeployException(Reason reason, String message) {
        this(reason, message, null);
    }

    public DeployException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** A refusal by the verifier: {@link Reason#VERIFICATION_FAILED}, or {@link Reason#IO} for its I/O failures. */
    public DeployException(String message, VerificationException cause) {
        this(cause.reason() == VerificationException.Reason.IO ? Reason.IO : Reason.VERIFICATION_FAILED, message,
                cause);
    }

    public Reason reason() {
        return reason;
    }

    /** The verifier's reason, when the verifier refused the bundle. */
    public Optional<VerificationException.Reason> verificationReason() {
        return getCause() instanceof VerificationException v ? Optional.of(v.reason()) : Optional.empty();
    }
}
