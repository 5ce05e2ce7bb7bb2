package io.edgegate.oip;

/**
 * A request that cannot be served, with the HTTP-like status the protocols answer with (400 malformed, 404
 * unknown, 413 too large, ...) and a message for the client that names what is wrong.
 */
public class OipException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    public OipException(int status, String message) {
        // No stack trace: these are answers to clients, not failures of the gateway.
        super(message, null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 4xx or 5xx, not " + status);
        }
        this.status = status;
    }

    /** The HTTP-like status code, 4xx or 5xx. */
    public int status() {
        return status;
    }
}
