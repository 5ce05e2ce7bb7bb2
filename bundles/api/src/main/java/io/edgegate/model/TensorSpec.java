package io.edgegate.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A model input or output: its name, element type and shape. A dimension of {@code -1} is dynamic
 * and accepts any positive size.
 */
public final class TensorSpec {
    private final String name;
    private final DataType datatype;
    private final long[] shape;

    public TensorSpec(String name, DataType datatype, long[] shape) {
        this.name = Objects.requireNonNull(name, "name");
        this.datatype = Objects.requireNonNull(datatype, "datatype");
        this.shape = shape.clone();
        for (long d : this.shape) {
            if (d < -1) {
                throw new IllegalArgumentException("dimension " + d + " of '" + name + "' is negative");
            }
        }
    }

    public String name() {
        return name;
    }

    public DataType datatype() {
        return datatype;
    }

    /** The shape, {@code -1} for dynamic dimensions; a copy. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Whether a tensor of {@code actual} shape fits this spec's rank and fixed dimensions. */
    public boolean accepts(long[] actual) {
        if (actual.length != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (actual[i] < 0 || (shape[i] >= 0 && shape[i] != actual[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t
                && name.equals(t.name) && datatype == t.datatype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, datatype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + datatype + Arrays.toString(shape);
    }
}
