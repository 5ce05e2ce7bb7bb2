package io.edgegate.inference.impl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceException.Reason;
import io.edgegate.model.DataType;
import io.edgegate.model.Tensor;
import io.edgegate.model.TensorSpec;

/** Moves tensors between the gateway's little-endian buffers and ONNX Runtime. */
final class TensorConversion {
    private static final Map<OnnxTensorType, DataType> TYPES = Map.ofEntries(
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, DataType.BOOL),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, DataType.UINT8),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16, DataType.UINT16),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32, DataType.UINT32),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64, DataType.UINT64),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, DataType.INT8),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, DataType.INT16),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, DataType.INT32),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, DataType.INT64),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, DataType.FP16),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16, DataType.BF16),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, DataType.FP32),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, DataType.FP64),
            Map.entry(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, DataType.BYTES));

    private TensorConversion() {
    }

    /** The spec of a session input or output; {@code null} if it is not a tensor (a map or sequence). */
    static TensorSpec spec(String name, NodeInfo node) {
        if (!(node.getInfo() instanceof TensorInfo info)) {
            return null;
        }
        DataType type = TYPES.get(info.onnxType);
        if (type == null) {
            return null;
        }
        long[] shape = info.getShape().clone();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] <= 0) {
                shape[i] = -1;
            }
        }
        return new TensorSpec(name, type, shape);
    }

    /** Java element type ONNX Runtime takes for a datatype; {@code null} if its Java API cannot take it. */
    static OnnxJavaType javaType(DataType type) {
        return switch (type) {
            case BOOL -> OnnxJavaType.BOOL;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT8 -> OnnxJavaType.INT8;
            case INT16 -> OnnxJavaType.INT16;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case FP16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
            case FP32 -> OnnxJavaType.FLOAT;
            case FP64 -> OnnxJavaType.DOUBLE;
            default -> null;
        };
    }

    /**
     * A direct buffer is handed to ONNX Runtime as it is (read-only is fine: only its address is taken). A heap
     * buffer is copied to a direct one here: ONNX Runtime 1.28's own copy of a heap ByteBuffer fails with a
     * ClassCastException.
     */
    static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
        ByteBuffer data = t.data();
        if (!data.isDirect()) {
            ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
            direct.put(data).flip();
            data = direct;
        }
        return OnnxTensor.createTensor(env, data, t.shape(), javaType(t.datatype()));
    }

    static Tensor fromOrt(String name, OnnxTensor value) throws InferenceException {
        TensorInfo info = value.getInfo();
        DataType type = TYPES.get(info.onnxType);
        if (type == null || type == DataType.BYTES) {
            throw new InferenceException(Reason.INTERNAL,
                    "output '" + name + "' has type " + info.onnxType + ", which the gateway cannot return");
        }
        ByteBuffer bytes = value.getByteBuffer();
        if (bytes == null) {
            throw new InferenceException(Reason.INTERNAL, "output '" + name + "' has no data buffer");
        }
        return new Tensor(name, type, info.getShape(), bytes.order(ByteOrder.LITTLE_ENDIAN));
    }
}
