package io.edgegate.optimizer.impl;

import java.util.HashSet;
import java.util.Set;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/** Every name a graph uses (values, initializers, nodes), to hand out new ones that clash with none. */
final class Names {
    private final Set<String> used = new HashSet<>();

    Names(GraphProto graph) {
        for (NodeProto n : graph.getNodeList()) {
            used.add(n.getName());
            used.addAll(n.getInputList());
            used.addAll(n.getOutputList());
        }
        for (TensorProto t : graph.getInitializerList()) {
            used.add(t.getName());
        }
        for (ValueInfoProto v : graph.getInputList()) {
            used.add(v.getName());
        }
        for (ValueInfoProto v : graph.getOutputList()) {
            used.add(v.getName());
        }
        for (ValueInfoProto v : graph.getValueInfoList()) {
            used.add(v.getName());
        }
        used.addAll(OnnxModels.subgraphReads(graph));
    }

    /** {@code base} itself when free, else {@code base_1}, {@code base_2}, ...; the name is then taken. */
    String fresh(String base) {
        String name = base;
        for (int i = 1; !used.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }
}
