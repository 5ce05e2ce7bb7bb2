package io.edgegate.mqtt.impl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a request is answered with: the status (also sent as the user property {@code status}) and the JSON body,
 * {@code {"status": 200, "result": {...}}} or {@code {"status": 400, "error": "..."}} (docs/mqtt.md, "Replies"); an
 * inference reply in OIP's binary form has its JSON header's length in {@code headerLength}, else -1.
 */
record Reply(int status, byte[] body, int headerLength) {

    /** A JSON reply. */
    Reply(int status, byte[] body) {
        this(status, body, -1);
    }

    /** Whether the body is a JSON header of {@link #headerLength} bytes followed by raw tensor bytes. */
    boolean binary() {
        return headerLength >= 0;
    }

    static Reply ok(JsonNode result) {
        return of(200, result);
    }

    static Reply of(int status, JsonNode result) {
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("status", status);
        o.set("result", result);
        return new Reply(status, bytes(o));
    }

    /** An error; {@code result} (may be null) carries what the client needs to go on, e.g. the expected offset. */
    static Reply error(int status, String message, JsonNode result) {
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("status", status);
        o.put("error", message);
        if (result != null) {
            o.set("result", result);
        }
        return new Reply(status, bytes(o));
    }

    static byte[] bytes(JsonNode node) {
        try {
            return Body.JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree that cannot be written", e);
        }
    }
}
