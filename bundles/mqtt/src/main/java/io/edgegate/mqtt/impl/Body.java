package io.edgegate.mqtt.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON body of an operation, read strictly: an object (an empty payload counts as {@code {}}) with only the
 * fields the operation knows, each of the right type. Every refusal is a 400 that names the operation and the
 * field.
 */
final class Body {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    /** Model names as the store takes them: they become folder names. */
    static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Signed names of bundles (docs/signing.md): 1 to 200 of {@code A-Z a-z 0-9 . _ -}, not starting with '.'. */
    static final Pattern SYMBOLIC_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}");

    private final String operation;
    private final ObjectNode node;

    private Body(String operation, ObjectNode node) {
        this.operation = operation;
        this.node = node;
    }

    /** @param fields the fields the operation knows; any other is refused */
    static Body parse(String operation, byte[] payload, String... fields) throws OpException {
        JsonNode root;
        if (new String(payload, StandardCharsets.UTF_8).isBlank()) {
            root = JSON.createObjectNode();
        } else {
            try {
                root = JSON.readTree(payload);
            } catch (JsonProcessingException e) {
                throw new OpException(400, operation + ": malformed JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new OpException(400, operation + ": unreadable body: " + e.getMessage());
            }
        }
        if (!(root instanceof ObjectNode o)) {
            throw new OpException(400, operation + ": the body must be a JSON object");
        }
        List<String> known = Arrays.asList(fields);
        for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new OpException(400, operation + ": unknown field '" + abbreviate(f) + "'; known: " + known);
            }
        }
        return new Body(operation, o);
    }

    boolean has(String field) {
        return node.has(field) && !node.get(field).isNull();
    }

    JsonNode get(String field) {
        return node.get(field);
    }

    /** A required name matching {@code pattern}: no path separators, no leading dot. */
    String name(String field, Pattern pattern) throws OpException {
        JsonNode n = node.get(field);
        if (n == null || !n.isTextual()) {
            throw bad("'" + field + "' must be a string");
        }
        if (!pattern.matcher(n.asText()).matches()) {
            throw bad("'" + abbreviate(n.asText()) + "' is not a valid " + field + ": letters, digits, '.', '_' "
                    + "and '-' only, not starting with '.'");
        }
        return n.asText();
    }

    /** A required positive integer (a JSON integer, not {@code 3.0} or {@code "3"}). */
    long version(String field) throws OpException {
        JsonNode n = node.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 1) {
            throw bad("'" + field + "' must be a positive integer");
        }
        return n.asLong();
    }

    /** An optional positive integer; {@code null} if absent. */
    Long optionalVersion(String field) throws OpException {
        return has(field) ? version(field) : null;
    }

    /** An optional boolean, {@code false} if absent. */
    boolean flag(String field) throws OpException {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw bad("'" + field + "' must be true or false");
        }
        return n.asBoolean();
    }

    /** A required JSON object. */
    ObjectNode object(String field) throws OpException {
        JsonNode n = node.get(field);
        if (!(n instanceof ObjectNode o)) {
            throw bad("'" + field + "' must be a JSON object");
        }
        return o;
    }

    /** An optional string; {@code null} if absent. */
    String text(String field) throws OpException {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw bad("'" + field + "' must be a string");
        }
        return n.asText();
    }

    OpException bad(String message) {
        return new OpException(400, operation + ": " + message);
    }

    static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
