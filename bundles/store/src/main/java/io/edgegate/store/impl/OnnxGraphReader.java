package io.edgegate.store.impl;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

import io.edgegate.model.DataType;
import io.edgegate.model.TensorSpec;

/**
 * Reads a model's graph inputs and outputs straight from the ONNX protobuf stream. The generated ONNX
 * classes would materialise every weight (90 MB for MiniLM FP32) just to learn a few names, so this walks
 * the wire format with protobuf's {@link CodedInputStream} and skips the initializer payloads.
 * Field numbers are those of onnx.proto (ModelProto.graph = 7, GraphProto.input = 11, ...).
 */
final class OnnxGraphReader {
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int TENSOR_NAME = 8;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_TYPE_ELEM = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;

    /** Inputs (initializers excluded) and outputs of a graph. */
    record Graph(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    }

    private OnnxGraphReader() {
    }

    static Graph read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            CodedInputStream cin = CodedInputStream.newInstance(in);
            cin.setSizeLimit(Integer.MAX_VALUE);
            Graph graph = null;
            while (true) {
                int tag = cin.readTag();
                if (tag == 0) {
                    break;
                }
                if (WireFormat.getTagFieldNumber(tag) == MODEL_GRAPH
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int limit = cin.pushLimit(cin.readRawVarint32());
                    graph = readGraph(cin);
                    cin.popLimit(limit);
                } else if (!cin.skipField(tag)) {
                    break;
                }
            }
            if (graph == null) {
                throw new InvalidProtocolBufferException("no graph found: not an ONNX model");
            }
            if (graph.outputs().isEmpty()) {
                throw new InvalidProtocolBufferException("the graph declares no outputs: not an ONNX model");
            }
            return graph;
        }
    }

    private static Graph readGraph(CodedInputStream in) throws IOException {
        List<TensorSpec> inputs = new ArrayList<>();
        List<TensorSpec> outputs = new ArrayList<>();
        Set<String> initializers = new HashSet<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            boolean message = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (message && (field == GRAPH_INPUT || field == GRAPH_OUTPUT || field == GRAPH_INITIALIZER)) {
                int limit = in.pushLimit(in.readRawVarint32());
                if (field == GRAPH_INITIALIZER) {
                    initializers.add(readInitializerName(in));
                } else {
                    (field == GRAPH_INPUT ? inputs : outputs).add(readValueInfo(in));
                }
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        // Older exporters list weights among the inputs; they are not something a client sends.
        inputs.removeIf(t -> initializers.contains(t.name()));
        return new Graph(inputs, outputs);
    }

    private static String readInitializerName(CodedInputStream in) throws IOException {
        String name = "";
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == TENSOR_NAME) {
                name = in.readStringRequireUtf8();
            } else {
                in.skipField(tag);
            }
        }
        return name;
    }

    private static TensorSpec readValueInfo(CodedInputStream in) throws IOException {
        String name = null;
        int elemType = 0;
        List<Long> dims = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == VALUE_INFO_NAME) {
                name = in.readStringRequireUtf8();
            } else if (field == VALUE_INFO_TYPE) {
                int typeLimit = in.pushLimit(in.readRawVarint32());
                elemType = readTensorType(in, dims);
                in.popLimit(typeLimit);
            } else {
                in.skipField(tag);
            }
        }
        if (name == null || name.isEmpty()) {
            throw new InvalidProtocolBufferException("a graph input or output has no name");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        return new TensorSpec(name, toDataType(elemType, name), shape);
    }

    /** Reads TypeProto; returns the tensor element type and fills {@code dims} (-1 for symbolic). */
    private static int readTensorType(CodedInputStream in, List<Long> dims) throws IOException {
        int elemType = 0;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) != TYPE_TENSOR) {
                in.skipField(tag);
                continue;
            }
            int tensorLimit = in.pushLimit(in.readRawVarint32());
            while (!in.isAtEnd()) {
                int t = in.readTag();
                int f = WireFormat.getTagFieldNumber(t);
                if (f == TENSOR_TYPE_ELEM) {
                    elemType = in.readInt32();
                } else if (f == TENSOR_TYPE_SHAPE) {
                    int shapeLimit = in.pushLimit(in.readRawVarint32());
                    while (!in.isAtEnd()) {
                        int st = in.readTag();
                        if (WireFormat.getTagFieldNumber(st) == SHAPE_DIM) {
                            int dimLimit = in.pushLimit(in.readRawVarint32());
                            dims.add(readDimension(in));
                            in.popLimit(dimLimit);
                        } else {
                            in.skipField(st);
                        }
                    }
                    in.popLimit(shapeLimit);
                } else {
                    in.skipField(t);
                }
            }
            in.popLimit(tensorLimit);
        }
        return elemType;
    }

    private static long readDimension(CodedInputStream in) throws IOException {
        long value = -1;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == DIM_VALUE) {
                long v = in.readInt64();
                value = v > 0 ? v : -1;
            } else {
                in.skipField(tag);
            }
        }
        return value;
    }

    /** Maps onnx.TensorProto.DataType codes. */
    static DataType toDataType(int onnxType, String name) throws InvalidProtocolBufferException {
        return switch (onnxType) {
            case 1 -> DataType.FP32;
            case 2 -> DataType.UINT8;
            case 3 -> DataType.INT8;
            case 4 -> DataType.UINT16;
            case 5 -> DataType.INT16;
            case 6 -> DataType.INT32;
            case 7 -> DataType.INT64;
            case 8 -> DataType.BYTES;
            case 9 -> DataType.BOOL;
            case 10 -> DataType.FP16;
            case 11 -> DataType.FP64;
            case 12 -> DataType.UINT32;
            case 13 -> DataType.UINT64;
            case 16 -> DataType.BF16;
            default -> throw new InvalidProtocolBufferException(
                    "'" + name + "' has ONNX element type " + onnxType + ", which is not a supported tensor type");
        };
    }
}
