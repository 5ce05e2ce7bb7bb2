package io.edgegate.optimizer;

import java.util.Objects;
import java.util.Optional;

/** An optimization that did not produce an accepted variant, and why. */
public class OptimizerException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why; protocols map these to their status codes. */
    public enum Reason {
        /** No such model or version in the store. */
        UNKNOWN_MODEL,
        /** The version is on disk but not installed (its signature check failed, its files are corrupt). */
        NOT_INSTALLED,
        /** No recipe of that id. */
        UNKNOWN_RECIPE,
        /** An option is unknown or has a wrong value. */
        BAD_OPTIONS,
        /** The recipe could not make a variant of this model (nothing it applies to, a model it cannot read). */
        RECIPE_FAILED,
        /** The accuracy guard rejected the variant; the report says which metric fell below which threshold. */
        REJECTED,
        /** Another optimization is running: one at a time. */
        BUSY,
        /** The gateway failed: files, ONNX Runtime, stopping. */
        IO
    }

    private final Reason reason;
    private final transient Variant variant;

    public OptimizerException(Reason reason, String message) {
        this(reason, message, null, null);
    }

    public OptimizerException(Reason reason, String message, Variant variant, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.variant = variant;
    }

    public Reason reason() {
        return reason;
    }

    /** The report of the rejected or failed variant, when one was written. */
    public Optional<Variant> variant() {
        return Optional.ofNullable(variant);
    }
}
