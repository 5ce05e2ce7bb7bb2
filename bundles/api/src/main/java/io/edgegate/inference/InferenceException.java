package io.edgegate.inference;

import java.util.Objects;

/** A request that could not be served, and why. */
public class InferenceException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a request failed; protocols map these to their status codes. */
    public enum Reason {
        /** No such model or version. */
        MODEL_NOT_FOUND,
        /** The model version exists but is loading or failed to load. */
        MODEL_NOT_READY,
        /** The request does not match the model's inputs. */
        INVALID_INPUT,
        /** ONNX Runtime or the gateway failed. */
        INTERNAL
    }

    private final Reason reason;

    public InferenceException(Reason reason, String message) {
        this(reason, message, null);
    }

    public InferenceException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
