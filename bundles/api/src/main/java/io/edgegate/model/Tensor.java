package io.edgegate.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable tensor: name, element type, shape and the elements packed little-endian in row-major
 * order. The data buffer is shared, never copied on access; treat it as read-only.
 */
public final class Tensor {
    private final String name;
    private final DataType datatype;
    private final long[] shape;
    private final ByteBuffer data;

    /**
     * @param data packed little-endian elements; its remaining bytes are the tensor's data
     * @throws IllegalArgumentException if the data length does not match the shape
     */
    public Tensor(String name, DataType datatype, long[] shape, ByteBuffer data) {
        this.name = Objects.requireNonNull(name, "name");
        this.datatype = Objects.requireNonNull(datatype, "datatype");
        this.shape = shape.clone();
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        long expected = elementCount(this.shape) * datatype.byteSize();
        if (datatype != DataType.BYTES && expected != this.data.remaining()) {
            throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape)
                    + " needs " + expected + " bytes of " + datatype + ", got " + this.data.remaining());
        }
    }

    public static Tensor ofFloats(String name, long[] shape, float... values) {
        ByteBuffer b = allocate(values.length * 4L);
        b.asFloatBuffer().put(values);
        return new Tensor(name, DataType.FP32, shape, b);
    }

    public static Tensor ofLongs(String name, long[] shape, long... values) {
        ByteBuffer b = allocate(values.length * 8L);
        b.asLongBuffer().put(values);
        return new Tensor(name, DataType.INT64, shape, b);
    }

    public static Tensor ofInts(String name, long[] shape, int... values) {
        ByteBuffer b = allocate(values.length * 4L);
        b.asIntBuffer().put(values);
        return new Tensor(name, DataType.INT32, shape, b);
    }

    /** Number of elements a shape holds; {@code 1} for a scalar. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static ByteBuffer allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of " + bytes + " bytes is too large");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    public String name() {
        return name;
    }

    public DataType datatype() {
        return datatype;
    }

    /** The shape; a copy. */
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** The packed little-endian data, positioned at 0; a new read-only view of the same bytes. */
    public ByteBuffer data() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public float[] floats() {
        requireType(DataType.FP32);
        float[] out = new float[(int) elementCount()];
        data().asFloatBuffer().get(out);
        return out;
    }

    public long[] longs() {
        requireType(DataType.INT64);
        long[] out = new long[(int) elementCount()];
        data().asLongBuffer().get(out);
        return out;
    }

    public int[] ints() {
        requireType(DataType.INT32);
        int[] out = new int[(int) elementCount()];
        data().asIntBuffer().get(out);
        return out;
    }

    private void requireType(DataType expected) {
        if (datatype != expected) {
            throw new IllegalStateException("tensor '" + name + "' is " + datatype + ", not " + expected);
        }
    }

    @Override
    public String toString() {
        return name + ":" + datatype + Arrays.toString(shape);
    }
}
