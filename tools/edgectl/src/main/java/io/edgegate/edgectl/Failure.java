package io.edgegate.edgectl;

/**
 * A failure the operator can act on: printed as one line, never as a stack trace. {@link #USAGE} for wrong
 * arguments or unreadable inputs, {@link #REFUSED} when the inputs are fine but the answer is no.
 */
final class Failure extends RuntimeException {
    static final int REFUSED = 1;
    static final int USAGE = 2;
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

    int exitCode() {
        return exitCode;
    }
}
