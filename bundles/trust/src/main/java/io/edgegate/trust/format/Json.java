package io.edgegate.trust.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * Strict JSON over Jackson's tree model: duplicate keys, trailing data, unknown or missing fields and wrong
 * types are all {@link Reason#MALFORMED}, each with a message naming the field.
 */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private Json() {
    }

    static ObjectNode readObject(byte[] bytes, String what) throws VerificationException {
        if (bytes == null || bytes.length == 0) {
            throw malformed(what + " is empty");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new VerificationException(Reason.MALFORMED, what + " is not valid JSON: " + detail, e);
        }
        if (node == null || !node.isObject()) {
            throw malformed(what + " is not a JSON object");
        }
        return (ObjectNode) node;
    }

    static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Refuses fields outside {@code required} and {@code optional}, and missing required ones. */
    static void fields(ObjectNode node, String what, Set<String> required, Set<String> optional)
            throws VerificationException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!required.contains(f) && !optional.contains(f)) {
                throw malformed(what + ": unknown field '" + f + "'");
            }
        }
        for (String f : required) {
            if (!node.has(f)) {
                throw malformed(what + ": missing field '" + f + "'");
            }
        }
    }

    static String text(ObjectNode node, String field, String what) throws VerificationException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw malformed(what + ": '" + field + "' must be a string, not " + kind(v));
        }
        return v.textValue();
    }

    static long integer(ObjectNode node, String field, String what) throws VerificationException {
        JsonNode v = node.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw malformed(what + ": '" + field + "' must be an integer, not " + kind(v));
        }
        return v.longValue();
    }

    static boolean bool(ObjectNode node, String field, String what) throws VerificationException {
        JsonNode v = node.get(field);
        if (v == null || !v.isBoolean()) {
            throw malformed(what + ": '" + field + "' must be true or false, not " + kind(v));
        }
        return v.booleanValue();
    }

    static ObjectNode child(ObjectNode node, String field, String what) throws VerificationException {
        JsonNode v = node.get(field);
        if (v == null || !v.isObject()) {
            throw malformed(what + ": '" + field + "' must be an object, not " + kind(v));
        }
        return (ObjectNode) v;
    }

    static List<JsonNode> array(ObjectNode node, String field, String what) throws VerificationException {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) {
            throw malformed(what + ": '" + field + "' must be an array, not " + kind(v));
        }
        List<JsonNode> items = new ArrayList<>();
        v.forEach(items::add);
        return items;
    }

    static List<String> strings(ObjectNode node, String field, String what) throws VerificationException {
        List<String> out = new ArrayList<>();
        for (JsonNode item : array(node, field, what)) {
            if (!item.isTextual() || item.textValue().isEmpty()) {
                throw malformed(what + ": '" + field + "' must hold non-empty strings, not " + kind(item));
            }
            out.add(item.textValue());
        }
        return out;
    }

    static Instant instant(ObjectNode node, String field, String what) throws VerificationException {
        String s = text(node, field, what);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw malformed(what + ": '" + field + "' must be an ISO-8601 instant such as 2027-06-30T00:00:00Z, not '"
                    + printable(s) + "'");
        }
    }

    static String hex64(ObjectNode node, String field, String what) throws VerificationException {
        String s = text(node, field, what);
        if (!HEX64.matcher(s).matches()) {
            throw malformed(what + ": '" + field + "' must be 64 lower-case hex digits, not '" + printable(s) + "'");
        }
        return s;
    }

    static boolean isHex64(String s) {
        return s != null && HEX64.matcher(s).matches();
    }

    /** Standard base64 with padding, or its URL-safe alphabet (DSSE allows both); nothing else. */
    static byte[] base64(ObjectNode node, String field, String what) throws VerificationException {
        String s = text(node, field, what);
        try {
            boolean urlSafe = s.indexOf('-') >= 0 || s.indexOf('_') >= 0;
            return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(s);
        } catch (IllegalArgumentException e) {
            throw new VerificationException(Reason.MALFORMED,
                    what + ": '" + field + "' is not valid base64: " + e.getMessage(), e);
        }
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static VerificationException malformed(String message) {
        return new VerificationException(Reason.MALFORMED, message);
    }

    /** At most 80 characters of untrusted text, control characters escaped, safe to put in a message or log. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "absent";
        }
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> v.isIntegralNumber() && !v.canConvertToLong() ? "an integer out of range" : "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
