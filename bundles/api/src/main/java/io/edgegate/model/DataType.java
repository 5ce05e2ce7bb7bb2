package io.edgegate.model;

import java.util.Locale;

/** Tensor element types, named as in the Open Inference Protocol v2. */
public enum DataType {
    BOOL(1),
    UINT8(1),
    UINT16(2),
    UINT32(4),
    UINT64(8),
    INT8(1),
    INT16(2),
    INT32(4),
    INT64(8),
    FP16(2),
    BF16(2),
    FP32(4),
    FP64(8),
    /** Variable-length strings; not supported for inference yet. */
    BYTES(0);

    private final int byteSize;

    DataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes one element takes in a packed little-endian buffer; 0 for variable-length types. */
    public int byteSize() {
        return byteSize;
    }

    /**
     * The type for a protocol name such as {@code "FP32"}.
     *
     * @throws IllegalArgumentException naming the unknown datatype
     */
    public static DataType fromName(String name) {
        if (name != null) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("unknown datatype '" + name + "'");
    }
}
