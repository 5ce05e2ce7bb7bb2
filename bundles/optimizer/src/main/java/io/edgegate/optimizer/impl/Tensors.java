package io.edgegate.optimizer.impl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.TensorProto;

/** Reading and building the constant tensors recipes work on (packed little-endian raw_data, as ONNX writes). */
final class Tensors {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int UINT8 = TensorProto.DataType.UINT8_VALUE;
    static final int INT8 = TensorProto.DataType.INT8_VALUE;
    static final int INT32 = TensorProto.DataType.INT32_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;
    static final int BOOL = TensorProto.DataType.BOOL_VALUE;
    static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    private Tensors() {
    }

    static long elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    static boolean isFloat(TensorProto t) {
        return t.getDataType() == FLOAT;
    }

    /** The values of a FLOAT tensor, whether stored as raw_data or as float_data. */
    static float[] floats(TensorProto t) {
        if (t.getDataType() != FLOAT) {
            throw new IllegalArgumentException(t.getName() + " is not a FLOAT tensor");
        }
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[raw.remaining() / 4];
            raw.asFloatBuffer().get(out);
            return out;
        }
        float[] out = new float[t.getFloatDataCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getFloatData(i);
        }
        return out;
    }

    static TensorProto floatTensor(String name, long[] dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return tensor(name, FLOAT, dims, raw.array());
    }

    static TensorProto float16Tensor(String name, Iterable<Long> dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putShort(Float16.fromFloat(Float16.clamp(v)));
        }
        return TensorProto.newBuilder().setName(name).addAllDims(dims).setDataType(FLOAT16)
                .setRawData(ByteString.copyFrom(raw.array())).build();
    }

    static TensorProto int32Tensor(String name, long[] dims, int[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asIntBuffer().put(values);
        return tensor(name, INT32, dims, raw.array());
    }

    /** INT8 or UINT8 values, one byte each. */
    static TensorProto byteTensor(String name, int dataType, long[] dims, byte[] values) {
        return tensor(name, dataType, dims, values);
    }

    static TensorProto tensor(String name, int dataType, long[] dims, byte[] raw) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (long d : dims) {
            b.addDims(d);
        }
        return b.setRawData(ByteString.copyFrom(raw)).build();
    }

    /** The {@code [rows, cols]} matrix transposed, row-major in and out. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
