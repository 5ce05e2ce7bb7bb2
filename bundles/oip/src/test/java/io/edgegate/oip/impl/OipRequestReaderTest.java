package io.edgegate.oip.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgegate.inference.InferenceRequest;
import io.edgegate.model.DataType;
import io.edgegate.model.Tensor;
import io.edgegate.oip.OipException;

class OipRequestReaderTest {

    static InferenceRequest read(String json) throws OipException, IOException {
        return OipRequestReader.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "m", 3L);
    }

    /** A request with one input {@code x} of that datatype, shape and data. */
    static String body(String datatype, String shape, String data) {
        return "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"" + datatype + "\", \"shape\": " + shape
                + ", \"data\": " + data + "}]}";
    }

    static byte[] bytes(Tensor t) {
        ByteBuffer b = t.data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static byte[] le(int size, Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return b.array();
    }

    @Test
    void nestedAndFlatDataGiveTheSameTensor() throws Exception {
        Tensor nested = read(body("FP32", "[2, 3]", "[[1, 2, 3], [4.5, -5, 6e2]]")).inputs().get(0);
        Tensor flat = read(body("FP32", "[2, 3]", "[1, 2, 3, 4.5, -5, 600]")).inputs().get(0);

        for (Tensor t : List.of(nested, flat)) {
            assertEquals("x", t.name());
            assertEquals(DataType.FP32, t.datatype());
            assertArrayEquals(new long[] {2, 3}, t.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4.5f, -5, 600}, t.floats());
        }
    }

    @Test
    void requestFieldsAreKept() throws Exception {
        InferenceRequest r = read("{\"id\": \"req-7\", \"parameters\": {\"a\": 1}, \"inputs\": ["
                + "{\"name\": \"a\", \"datatype\": \"INT64\", \"shape\": [1], \"data\": [5]},"
                + "{\"name\": \"b\", \"datatype\": \"INT32\", \"shape\": [], \"data\": [6]}],"
                + " \"outputs\": [{\"name\": \"y\"}, {\"name\": \"z\", \"parameters\": {}}]}");

        assertEquals("m", r.model());
        assertEquals(3L, r.version());
        assertEquals("req-7", r.id());
        assertEquals(List.of("a", "b"), r.inputs().stream().map(Tensor::name).toList());
        assertArrayEquals(new long[] {5}, r.inputs().get(0).longs());
        assertArrayEquals(new long[0], r.inputs().get(1).shape());
        assertArrayEquals(new int[] {6}, r.inputs().get(1).ints());
        assertEquals(List.of("y", "z"), r.outputs());
    }

    @Test
    void withoutIdOrOutputs() throws Exception {
        InferenceRequest r = OipRequestReader.read(new ByteArrayInputStream(
                body("FP32", "[1]", "[1]").getBytes(StandardCharsets.UTF_8)), "m", null);

        assertNull(r.id());
        assertNull(r.version());
        assertEquals(List.of(), r.outputs());
    }

    static Stream<Arguments> datatypes() {
        return Stream.of(
                Arguments.of("BOOL", "[true, false, true]", new byte[] {1, 0, 1}),
                Arguments.of("UINT8", "[0, 128, 255]", new byte[] {0, (byte) 128, (byte) 255}),
                Arguments.of("INT8", "[-128, 0, 127]", new byte[] {-128, 0, 127}),
                Arguments.of("UINT16", "[0, 1, 65535]", le(6, b -> b.putShort((short) 0).putShort((short) 1)
                        .putShort((short) 0xFFFF))),
                Arguments.of("INT16", "[-32768, 1, 32767]", le(6, b -> b.putShort(Short.MIN_VALUE)
                        .putShort((short) 1).putShort(Short.MAX_VALUE))),
                Arguments.of("UINT32", "[0, 1, 4294967295]", le(12, b -> b.putInt(0).putInt(1).putInt(-1))),
                Arguments.of("INT32", "[-2147483648, 1, 2147483647]", le(12, b -> b.putInt(Integer.MIN_VALUE)
                        .putInt(1).putInt(Integer.MAX_VALUE))),
                Arguments.of("INT64", "[-9223372036854775808, 1, 9223372036854775807]",
                        le(24, b -> b.putLong(Long.MIN_VALUE).putLong(1).putLong(Long.MAX_VALUE))),
                Arguments.of("UINT64", "[0, 9223372036854775808, 18446744073709551615]",
                        le(24, b -> b.putLong(0).putLong(Long.MIN_VALUE).putLong(-1))),
                // 1.5, -2 and 65504 in IEEE half precision
                Arguments.of("FP16", "[1.5, -2, 65504]", le(6, b -> b.putShort((short) 0x3E00)
                        .putShort((short) 0xC000).putShort((short) 0x7BFF))),
                // bfloat16 is the upper half of the float
                Arguments.of("BF16", "[1.5, -2, 1]", le(6, b -> b.putShort((short) 0x3FC0)
                        .putShort((short) 0xC000).putShort((short) 0x3F80))),
                Arguments.of("FP32", "[1.5, -2, 3]", le(12, b -> b.putFloat(1.5f).putFloat(-2f).putFloat(3f))),
                Arguments.of("FP64", "[1.5, -2, 0.1]", le(24, b -> b.putDouble(1.5).putDouble(-2).putDouble(0.1))),
                Arguments.of("fp32", "[1, 2, 3]", le(12, b -> b.putFloat(1f).putFloat(2f).putFloat(3f))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("datatypes")
    void everyDatatypeIsPackedLittleEndian(String datatype, String data, byte[] expected) throws Exception {
        Tensor t = read(body(datatype, "[3]", data)).inputs().get(0);

        assertEquals(DataType.fromName(datatype), t.datatype());
        assertArrayEquals(new long[] {3}, t.shape());
        assertArrayEquals(expected, bytes(t));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                // what is wrong, the body, what the message must say
                Arguments.of("malformed JSON", "{\"inputs\": [", "malformed JSON"),
                Arguments.of("trailing content", body("FP32", "[1]", "[1]") + "{}", "JSON"),
                Arguments.of("FP32 overflow", body("FP32", "[1]", "[1e39]"), "'x'"),
                Arguments.of("FP16 overflow", body("FP16", "[1]", "[70000]"), "'x'"),
                Arguments.of("trailing comma", "{\"inputs\": [],}", "JSON"),
                Arguments.of("duplicate key", "{\"inputs\": [], \"inputs\": []}", "JSON"),
                Arguments.of("empty body", "", "JSON object"),
                Arguments.of("not an object", "[1, 2]", "JSON object"),
                Arguments.of("no inputs", "{\"outputs\": []}", "\"inputs\""),
                Arguments.of("empty inputs", "{\"inputs\": []}", "\"inputs\""),
                Arguments.of("inputs not a list", "{\"inputs\": {}}", "\"inputs\""),
                Arguments.of("input not an object", "{\"inputs\": [1]}", "\"inputs\""),
                Arguments.of("input without name", "{\"inputs\": [{\"datatype\": \"FP32\", \"shape\": [1],"
                        + " \"data\": [1]}]}", "name"),
                Arguments.of("unknown datatype", body("FLOAT32", "[1]", "[1]"), "'x'"),
                Arguments.of("unknown datatype named", body("FLOAT32", "[1]", "[1]"), "FLOAT32"),
                Arguments.of("no datatype", "{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"data\": [1]}]}",
                        "'x'"),
                Arguments.of("BYTES", body("BYTES", "[1]", "[1]"), "'x'"),
                Arguments.of("no shape", "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\","
                        + " \"data\": [1]}]}", "'x'"),
                Arguments.of("negative shape", body("FP32", "[-1, 2]", "[1, 2]"), "'x'"),
                Arguments.of("fractional shape", body("FP32", "[1.5]", "[1]"), "'x'"),
                Arguments.of("overflowing shape", body("FP32", "[9223372036854775807, 4]", "[1]"), "'x'"),
                Arguments.of("no data", "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\","
                        + " \"shape\": [1]}]}", "'x'"),
                Arguments.of("too few values", body("FP32", "[2, 2]", "[1, 2, 3]"), "'x'"),
                Arguments.of("too many values", body("FP32", "[2]", "[[1, 2], [3]]"), "'x'"),
                Arguments.of("count in message", body("FP32", "[2, 2]", "[1, 2, 3]"), "3"),
                Arguments.of("int8 above range", body("INT8", "[1]", "[128]"), "'x'"),
                Arguments.of("int8 below range", body("INT8", "[1]", "[-129]"), "'x'"),
                Arguments.of("uint8 above range", body("UINT8", "[2]", "[0, 256]"), "'x'"),
                Arguments.of("uint8 negative", body("UINT8", "[1]", "[-1]"), "'x'"),
                Arguments.of("uint64 negative", body("UINT64", "[1]", "[-1]"), "'x'"),
                Arguments.of("uint64 too large", body("UINT64", "[1]", "[18446744073709551616]"), "'x'"),
                Arguments.of("int64 too large", body("INT64", "[1]", "[9223372036854775808]"), "'x'"),
                Arguments.of("int64 fraction", body("INT64", "[2]", "[1, 1.5]"), "'x'"),
                Arguments.of("int64 fraction index", body("INT64", "[2]", "[1, 1.5]"), "index 1"),
                Arguments.of("int32 fraction", body("INT32", "[1]", "[2.5]"), "'x'"),
                Arguments.of("string in data", body("FP32", "[2]", "[1, \"2\"]"), "'x'"),
                Arguments.of("null in data", body("FP32", "[1]", "[null]"), "'x'"),
                Arguments.of("object in data", body("FP32", "[1]", "[{}]"), "'x'"),
                Arguments.of("number for BOOL", body("BOOL", "[1]", "[1]"), "'x'"),
                Arguments.of("bool for FP32", body("FP32", "[1]", "[true]"), "'x'"),
                Arguments.of("bool for INT64", body("INT64", "[1]", "[false]"), "'x'"),
                Arguments.of("id not a string", "{\"id\": 5, \"inputs\": [{\"name\": \"x\", \"datatype\":"
                        + " \"FP32\", \"shape\": [1], \"data\": [1]}]}", "\"id\""),
                Arguments.of("output without name", "{\"inputs\": [{\"name\": \"x\", \"datatype\":"
                        + " \"FP32\", \"shape\": [1], \"data\": [1]}], \"outputs\": [{}]}", "name"),
                Arguments.of("second input named", "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\","
                        + " \"shape\": [1], \"data\": [1]}, {\"name\": \"mask\", \"datatype\": \"INT8\","
                        + " \"shape\": [1], \"data\": [300]}]}", "'mask'"),
                Arguments.of("deep nesting", body("FP32", "[1]", "[".repeat(200) + "1" + "]".repeat(200)),
                        "JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void badRequestsAre400NamingTheProblem(String what, String json, String mentions) {
        OipException e = assertThrows(OipException.class, () -> read(json), what + " was accepted");

        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains(mentions), what + ": '" + e.getMessage() + "' lacks " + mentions);
    }

    @Test
    void bodyPastTheLimitIsTooLargeNotMalformed() {
        String json = body("FP32", "[1000]", "[" + "1.0, ".repeat(999) + "1.0]");
        LimitedInputStream in = new LimitedInputStream(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), 100);

        assertThrows(LimitedInputStream.TooLarge.class, () -> OipRequestReader.read(in, "m", null));
    }

    @Test
    void bodyWithinTheLimitIsRead() throws Exception {
        byte[] json = body("FP32", "[2]", "[1, 2]").getBytes(StandardCharsets.UTF_8);
        LimitedInputStream in = new LimitedInputStream(new ByteArrayInputStream(json), json.length);

        assertArrayEquals(new float[] {1, 2}, OipRequestReader.read(in, "m", null).inputs().get(0).floats());
    }
}
