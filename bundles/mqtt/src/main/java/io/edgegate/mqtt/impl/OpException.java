package io.edgegate.mqtt.impl;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgegate.trust.VerificationException;

/** An operation that ends in an error reply: its status, the message for the operator, and maybe a result. */
final class OpException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient JsonNode result;

    OpException(int status, String message) {
        this(status, message, null);
    }

    OpException(int status, String message, JsonNode result) {
        super(message, null, false, false);
        this.status = status;
        this.result = result;
    }

    int status() {
        return status;
    }

    JsonNode result() {
        return result;
    }

    Reply reply() {
        return Reply.error(status, getMessage(), result);
    }

    /** A verifier's refusal: 403 naming the reason (500 for the gateway's own I/O failures). */
    static OpException refused(String operation, VerificationException e) {
        return new OpException(e.reason() == VerificationException.Reason.IO ? 500 : 403,
                operation + ": " + e.reason() + ": " + e.getMessage());
    }
}
