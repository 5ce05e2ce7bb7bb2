package io.edgegate.oip.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import ai.onnxruntime.platform.Fp16Conversions;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.model.DataType;
import io.edgegate.model.Tensor;
import io.edgegate.oip.OipCodec;
import io.edgegate.oip.OipException;

/**
 * Parses an Open Inference Protocol v2 inference request ({@code $inference_request}) into tensors.
 * {@code data} may be flat or nested row-major; every error names the input it is about.
 */
public final class OipRequestReader {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        // The body size is limited before parsing; nesting is not, so bound it here.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private OipRequestReader() {
    }

    public static InferenceRequest read(InputStream body, String model, Long version) throws OipException, IOException {
        return readWithBinary(body, model, version).inference();
    }

    /** The request and which outputs the client asks for as raw bytes (the binary tensor data extension). */
    public static OipCodec.Request readWithBinary(InputStream body, String model, Long version)
            throws OipException, IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw bad("malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw bad("the request body must be a JSON object with \"inputs\"");
        }
        JsonNode inputs = root.path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) {
            throw bad("\"inputs\" must be a non-empty list of tensors");
        }
        List<Tensor> tensors = new ArrayList<>(inputs.size());
        for (JsonNode input : inputs) {
            tensors.add(tensor(input));
        }
        List<String> outputs = new ArrayList<>();
        java.util.Set<String> binary = new java.util.HashSet<>();
        JsonNode requested = root.path("outputs");
        if (!requested.isMissingNode()) {
            if (!requested.isArray()) {
                throw bad("\"outputs\" must be a list of {\"name\": ...}");
            }
            for (JsonNode o : requested) {
                String name = o.path("name").asText("");
                if (name.isEmpty()) {
                    throw bad("every entry of \"outputs\" needs a \"name\"");
                }
                outputs.add(name);
                if (flag(o.path("parameters"), "binary_data", "outputs[" + name + "].parameters")) {
                    binary.add(name);
                }
            }
        }
        boolean allBinary = flag(root.path("parameters"), "binary_data_output", "parameters");
        JsonNode id = root.path("id");
        if (!id.isMissingNode() && !id.isTextual()) {
            throw bad("\"id\" must be a string");
        }
        return new OipCodec.Request(new InferenceRequest(model, version, id.isTextual() ? id.asText() : null, tensors,
                outputs), allBinary, binary);
    }

    /** A boolean request parameter: absent is false; anything but true or false is refused. */
    private static boolean flag(JsonNode parameters, String name, String where) throws OipException {
        if (parameters.isMissingNode()) {
            return false;
        }
        if (!parameters.isObject()) {
            throw bad("\"" + where + "\" must be an object");
        }
        JsonNode v = parameters.path(name);
        if (v.isMissingNode()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw bad("\"" + where + "." + name + "\" must be true or false");
        }
        return v.asBoolean();
    }

    /** The body of a repository index request: empty, {@code {}} or {@code {"ready": true|false}}. */
    public static boolean readyFilter(InputStream body) throws OipException, IOException {
        byte[] bytes = body.readAllBytes();
        if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return false;
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw bad("malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw bad("an index request body is a JSON object such as {\"ready\": true}");
        }
        JsonNode ready = root.path("ready");
        if (!ready.isMissingNode() && !ready.isBoolean()) {
            throw bad("\"ready\" must be true or false");
        }
        return ready.asBoolean(false);
    }

    private static Tensor tensor(JsonNode input) throws OipException {
        if (!input.isObject()) {
            throw bad("each entry of \"inputs\" must be an object");
        }
        JsonNode nameNode = input.path("name");
        if (!nameNode.isTextual() || nameNode.asText().isEmpty()) {
            throw bad("an input has no \"name\"");
        }
        String name = nameNode.asText();
        DataType type;
        try {
            type = DataType.fromName(input.path("datatype").asText(null));
        } catch (IllegalArgumentException e) {
            throw bad("input '" + name + "': " + e.getMessage());
        }
        if (type == DataType.BYTES) {
            throw bad("input '" + name + "': datatype BYTES is not supported");
        }
        long[] shape = shape(name, input.path("shape"));
        long count;
        try {
            count = Tensor.elementCount(shape);
        } catch (ArithmeticException e) {
            throw bad("input '" + name + "': shape " + Arrays.toString(shape) + " is too large");
        }
        JsonNode data = input.path("data");
        if (!data.isArray()) {
            throw bad("input '" + name + "' needs \"data\" as a list");
        }
        List<JsonNode> values = new ArrayList<>();
        flatten(name, data, values, 0);
        if (values.size() != count) {
            throw bad("input '" + name + "': shape " + Arrays.toString(shape) + " holds " + count
                    + " values, \"data\" has " + values.size());
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(values.size(), type.byteSize()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.size(); i++) {
            put(buf, type, values.get(i), name, i);
        }
        buf.flip();
        return new Tensor(name, type, shape, buf);
    }

    private static long[] shape(String name, JsonNode shape) throws OipException {
        if (!shape.isArray()) {
            throw bad("input '" + name + "' needs \"shape\" as a list of sizes");
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw bad("input '" + name + "': shape entry " + d + " is not a size");
            }
            dims[i] = d.asLong();
        }
        return dims;
    }

    private static void flatten(String name, JsonNode node, List<JsonNode> out, int depth) throws OipException {
        for (JsonNode n : node) {
            if (n.isArray()) {
                flatten(name, n, out, depth + 1);
            } else if (n.isNumber() || n.isBoolean()) {
                out.add(n);
            } else {
                throw bad("input '" + name + "': \"data\" holds " + n.getNodeType()
                        .toString().toLowerCase() + " " + abbreviate(n) + ", not a number");
            }
        }
    }

    private static void put(ByteBuffer buf, DataType type, JsonNode v, String name, int index) throws OipException {
        switch (type) {
            case BOOL -> {
                if (!v.isBoolean()) {
                    throw wrong(name, index, v, type);
                }
                buf.put((byte) (v.booleanValue() ? 1 : 0));
            }
            case FP16 -> buf.putShort(Fp16Conversions.floatToFp16(finite(v, name, index, type, 65504f)));
            case BF16 -> buf.putShort(Fp16Conversions.floatToBf16(finite(v, name, index, type, Float.MAX_VALUE)));
            case FP32 -> buf.putFloat(finite(v, name, index, type, Float.MAX_VALUE));
            case FP64 -> buf.putDouble(number(v, name, index, type));
            case INT8 -> buf.put((byte) integer(v, name, index, type, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case UINT8 -> buf.put((byte) integer(v, name, index, type, 0, 255));
            case INT16 -> buf.putShort((short) integer(v, name, index, type, Short.MIN_VALUE, Short.MAX_VALUE));
            case UINT16 -> buf.putShort((short) integer(v, name, index, type, 0, 65535));
            case INT32 -> buf.putInt((int) integer(v, name, index, type, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case UINT32 -> buf.putInt((int) integer(v, name, index, type, 0, 0xFFFF_FFFFL));
            case INT64 -> buf.putLong(integer(v, name, index, type, Long.MIN_VALUE, Long.MAX_VALUE));
            case UINT64 -> {
                if (!v.isIntegralNumber() || v.bigIntegerValue().signum() < 0 || v.bigIntegerValue().bitLength() > 64) {
                    throw wrong(name, index, v, type);
                }
                buf.putLong(v.bigIntegerValue().longValue());
            }
            default -> throw bad("input '" + name + "': datatype " + type + " is not supported");
        }
    }

    private static double number(JsonNode v, String name, int index, DataType type) throws OipException {
        if (!v.isNumber()) {
            throw wrong(name, index, v, type);
        }
        return v.doubleValue();
    }

    /** A number that the type can hold: an out-of-range value would silently become infinity. */
    private static float finite(JsonNode v, String name, int index, DataType type, float max) throws OipException {
        double d = number(v, name, index, type);
        if (Math.abs(d) > max) {
            throw wrong(name, index, v, type);
        }
        return (float) d;
    }

    private static long integer(JsonNode v, String name, int index, DataType type, long min, long max)
            throws OipException {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw wrong(name, index, v, type);
        }
        return v.longValue();
    }

    private static OipException wrong(String name, int index, JsonNode v, DataType type) {
        return bad("input '" + name + "': value " + abbreviate(v) + " at index " + index
                + " is not a valid " + type);
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static OipException bad(String message) {
        return new OipException(400, message);
    }
}
