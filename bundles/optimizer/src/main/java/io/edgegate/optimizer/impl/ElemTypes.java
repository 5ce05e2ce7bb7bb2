package io.edgegate.optimizer.impl;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The element type of every value in a graph, propagated from the graph inputs, initializers and value_info through
 * the nodes in their (topological) order with the type rules of the standard operators. Only what the recipes need:
 * a value whose type cannot be told (custom domains, unusual operators) is absent, and recipes leave it alone.
 */
final class ElemTypes {
    private static final Set<String> INT64_OUT = Set.of("Shape", "Size", "NonZero", "ArgMax", "ArgMin",
            "NonMaxSuppression");
    private static final Set<String> BOOL_OUT = Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
            "Not", "And", "Or", "Xor", "IsNaN", "IsInf");
    private static final Set<String> DTYPE_ATTR = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
            "RandomUniformLike", "EyeLike", "Multinomial");

    private final Map<String, Integer> types = new HashMap<>();

    ElemTypes(GraphProto graph) {
        for (ValueInfoProto v : graph.getInputList()) {
            put(v.getName(), v.getType());
        }
        for (ValueInfoProto v : graph.getValueInfoList()) {
            put(v.getName(), v.getType());
        }
        for (ValueInfoProto v : graph.getOutputList()) {
            put(v.getName(), v.getType());
        }
        for (TensorProto t : graph.getInitializerList()) {
            types.put(t.getName(), t.getDataType());
        }
        for (NodeProto n : graph.getNodeList()) {
            infer(n);
        }
    }

    /** The element type (TensorProto.DataType code), or 0 when unknown. */
    int of(String name) {
        return types.getOrDefault(name, 0);
    }

    boolean isFloat(String name) {
        return of(name) == Tensors.FLOAT;
    }

    private void put(String name, TypeProto type) {
        if (type.hasTensorType() && type.getTensorType().getElemType() != 0) {
            types.put(name, type.getTensorType().getElemType());
        }
    }

    private void infer(NodeProto n) {
        if (!OnnxModels.isDefaultDomain(n)) {
            return;
        }
        String op = n.getOpType();
        int first = n.getInputCount() > 0 ? of(n.getInput(0)) : 0;
        for (int i = 0; i < n.getOutputCount(); i++) {
            int t = outputType(n, op, i, first);
            if (t != 0 && !n.getOutput(i).isEmpty()) {
                types.putIfAbsent(n.getOutput(i), t);
            }
        }
    }

    private int outputType(NodeProto n, String op, int index, int first) {
        if (INT64_OUT.contains(op)) {
            return Tensors.INT64;
        }
        if (BOOL_OUT.contains(op)) {
            return Tensors.BOOL;
        }
        if (DTYPE_ATTR.contains(op)) {
            long dtype = Nodes.intAttribute(n, "dtype", 0);
            return dtype != 0 ? (int) dtype : op.endsWith("Like") || op.equals("EyeLike") ? first : Tensors.FLOAT;
        }
        return switch (op) {
            case "Constant" -> constantType(n);
            case "Cast" -> (int) Nodes.intAttribute(n, "to", 0);
            case "CastLike" -> of(Nodes.input(n, 1));
            case "ConstantOfShape" -> {
                AttributeProto value = Nodes.attribute(n, "value");
                yield value != null && value.hasT() ? value.getT().getDataType() : Tensors.FLOAT;
            }
            case "Where" -> of(Nodes.input(n, 1));
            case "OneHot" -> of(Nodes.input(n, 2));
            case "DynamicQuantizeLinear" -> index == 1 ? Tensors.FLOAT : Tensors.UINT8;
            case "QuantizeLinear" -> n.getInputCount() > 2 ? of(n.getInput(2)) : Tensors.UINT8;
            case "DequantizeLinear" -> of(Nodes.input(n, 1));
            case "MatMulInteger", "ConvInteger" -> Tensors.INT32;
            case "QLinearConv", "QLinearMatMul" -> of(Nodes.input(n, 7));
            case "TopK", "MaxPool", "Unique" -> index == 0 ? first : Tensors.INT64;
            case "Dropout" -> index == 0 ? first : Tensors.BOOL;
            case "LayerNormalization" -> index == 0 ? first : Tensors.FLOAT;
            default -> first;
        };
    }

    private static int constantType(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value", "sparse_value" -> {
                    return a.hasT() ? a.getT().getDataType() : a.getSparseTensor().getValues().getDataType();
                }
                case "value_float", "value_floats" -> {
                    return Tensors.FLOAT;
                }
                case "value_int", "value_ints" -> {
                    return Tensors.INT64;
                }
                case "value_string", "value_strings" -> {
                    return TensorProto.DataType.STRING_VALUE;
                }
                default -> {
                    // not a value attribute
                }
            }
        }
        return 0;
    }
}
