package io.edgegate.edgectl;

/**
 * A failure the operator can act on: printed as one line, never as a stack trace. {@link #USAGE} for wrong
 * arguments or unreadable inputs, {@link #REFUSED} when the inputs are fine but the answer is no (a manifest that does
 * not verify, a gateway that answers with an error), {@link #UNAVAILABLE} when no answer came at all (broker
 * unreachable, gateway silent, connection lost for good): worth trying again later, unlike the other two.
 */
final class Failure extends RuntimeException {
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNAVAILABLE = 3;
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    private Failure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static Failure usage(String message) {
        return new Failure(USAGE, message);
    }

    static Failure refused(String message) {
        return new Failure(REFUSED, message);
    }

    static Failure unavailable(String message) {
        return new Failure(UNAVAILABLE, message);
    }

    int exitCode() {
        return exitCode;
    }
}
