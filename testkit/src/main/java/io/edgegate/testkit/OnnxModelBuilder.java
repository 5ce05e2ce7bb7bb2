package io.edgegate.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.CodedOutputStream;

/**
 * Writes small ONNX models for tests, straight in the protobuf wire format of onnx.proto, so tests need
 * neither Python nor downloaded models. Example: {@code y = x + 3}:
 *
 * <pre>
 * new OnnxModelBuilder()
 *     .input("x", OnnxModelBuilder.FLOAT, -1, 4)
 *     .output("y", OnnxModelBuilder.FLOAT, -1, 4)
 *     .floatInitializer("c", new long[] {1}, 3f)
 *     .node("Add", List.of("x", "c"), List.of("y"))
 *     .write(path);
 * </pre>
 *
 * A dimension of {@code -1} is written as the symbolic dimension {@code "N"}.
 */
public final class OnnxModelBuilder {
    /** onnx.TensorProto.DataType codes. */
    public static final int FLOAT = 1;
    public static final int UINT8 = 2;
    public static final int INT8 = 3;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int BOOL = 9;
    public static final int FLOAT16 = 10;
    public static final int DOUBLE = 11;

    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private int opset = 13;
    private String docString = "";

    public OnnxModelBuilder opset(int version) {
        this.opset = version;
        return this;
    }

    /** A free-text note kept in the model (e.g. which version it is). */
    public OnnxModelBuilder doc(String text) {
        this.docString = text;
        return this;
    }

    public OnnxModelBuilder input(String name, int elemType, long... shape) {
        inputs.add(valueInfo(name, elemType, shape));
        return this;
    }

    public OnnxModelBuilder output(String name, int elemType, long... shape) {
        outputs.add(valueInfo(name, elemType, shape));
        return this;
    }

    public OnnxModelBuilder node(String opType, List<String> in, List<String> out) {
        nodes.add(message(o -> {
            for (String s : in) {
                o.writeString(1, s);
            }
            for (String s : out) {
                o.writeString(2, s);
            }
            o.writeString(3, opType + "_" + nodes.size());
            o.writeString(4, opType);
        }));
        return this;
    }

    public OnnxModelBuilder floatInitializer(String name, long[] dims, float... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return initializer(name, FLOAT, dims, raw.array());
    }

    /** A constant tensor of any type, given its packed little-endian bytes. */
    public OnnxModelBuilder initializer(String name, int elemType, long[] dims, byte[] rawData) {
        initializers.add(message(o -> {
            for (long d : dims) {
                o.writeInt64(1, d);
            }
            o.writeInt32(2, elemType);
            o.writeString(8, name);
            o.writeByteArray(9, rawData);
        }));
        return this;
    }

    public byte[] build() {
        byte[] graph = message(o -> {
            for (byte[] n : nodes) {
                o.writeByteArray(1, n);
            }
            o.writeString(2, "edgegate-test");
            for (byte[] t : initializers) {
                o.writeByteArray(5, t);
            }
            for (byte[] i : inputs) {
                o.writeByteArray(11, i);
            }
            for (byte[] i : outputs) {
                o.writeByteArray(12, i);
            }
        });
        return message(o -> {
            o.writeInt64(1, 8); // ir_version
            o.writeString(2, "edgegate-testkit");
            o.writeString(6, docString);
            o.writeByteArray(7, graph);
            o.writeByteArray(8, message(op -> {
                op.writeString(1, "");
                op.writeInt64(2, opset);
            }));
        });
    }

    public Path write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] valueInfo(String name, int elemType, long[] shape) {
        byte[] tensorType = message(o -> {
            o.writeInt32(1, elemType);
            o.writeByteArray(2, message(s -> {
                for (long d : shape) {
                    s.writeByteArray(1, message(dim -> {
                        if (d >= 0) {
                            dim.writeInt64(1, d);
                        } else {
                            dim.writeString(2, "N");
                        }
                    }));
                }
            }));
        });
        return message(o -> {
            o.writeString(1, name);
            o.writeByteArray(2, message(t -> t.writeByteArray(1, tensorType)));
        });
    }

    @FunctionalInterface
    private interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Writer w) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            w.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
