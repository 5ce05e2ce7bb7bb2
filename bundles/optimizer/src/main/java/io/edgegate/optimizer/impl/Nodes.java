package io.edgegate.optimizer.impl;

import java.util.List;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/** Building nodes and reading their attributes. */
final class Nodes {
    private Nodes() {
    }

    static NodeProto node(String opType, String name, List<String> inputs, List<String> outputs,
            AttributeProto... attributes) {
        return NodeProto.newBuilder().setOpType(opType).setName(name).addAllInput(inputs).addAllOutput(outputs)
                .addAllAttribute(List.of(attributes)).build();
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static long intAttribute(NodeProto node, String name, long defaultValue) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return defaultValue;
    }

    static float floatAttribute(NodeProto node, String name, float defaultValue) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return defaultValue;
    }

    static AttributeProto attribute(NodeProto node, String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** The input at {@code index}, or "" when the node has fewer inputs (ONNX's "absent optional input"). */
    static String input(NodeProto node, int index) {
        return index < node.getInputCount() ? node.getInput(index) : "";
    }

    /** A name for a node that had none: op type and first output. */
    static String nameOf(NodeProto node) {
        return node.getName().isEmpty() ? node.getOpType() + "_" + node.getOutput(0) : node.getName();
    }
}
