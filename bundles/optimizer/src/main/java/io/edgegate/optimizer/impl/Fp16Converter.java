package io.edgegate.optimizer.impl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Rewrites one graph to FP16 (see {@link Fp16Recipe}). Each FLOAT value is stored in one precision: that of the node
 * producing it, FP32 for graph inputs, and for constants (initializers, Constant nodes) FP16 as soon as one FP16
 * node reads them. A node reading a value in the other precision gets a Cast (or, for a constant, a converted copy).
 */
final class Fp16Converter {
    /** Never converted: their float inputs or outputs are tied to other types, or they hold subgraphs. */
    private static final Set<String> ALWAYS_FP32 = Set.of("QuantizeLinear", "DequantizeLinear",
            "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearConv", "QLinearMatMul", "RandomNormal",
            "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "EyeLike", "If",
            "Loop", "Scan");
    /** Inputs that the operator's schema types as float32 whatever the data's type (Resize's roi and scales). */
    private static final Map<String, Set<Integer>> FLOAT_ONLY_INPUTS = Map.of("Resize", Set.of(1, 2),
            "Upsample", Set.of(1));
    /** Operators that read a value of any type: they take it in whichever precision it is stored. */
    private static final Set<String> ANY_TYPE_INPUTS = Set.of("Shape", "Size", "Cast");

    private final GraphProto graph;
    private final Set<String> keep;
    private final ElemTypes types;
    private final Names names;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Set<String> halfValues = new HashSet<>();
    /** FP16 graph outputs: the producer writes the FP16 name, a Cast makes the FP32 output under the original one. */
    private final Map<String, String> renamedOutputs = new HashMap<>();
    private final Map<String, String> halfCopies = new HashMap<>();
    private final Map<String, String> floatCopies = new HashMap<>();
    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> addedInitializers = new ArrayList<>();
    private boolean[] half;

    Fp16Converter(GraphProto graph, Set<String> keep) {
        this.graph = graph;
        this.keep = keep;
        this.types = new ElemTypes(graph);
        this.names = new Names(graph);
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
    }

    /** The converted graph; {@code converted[0]} receives the number of nodes that run in FP16. */
    GraphProto convert(int[] converted) {
        decide();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            emit(i);
        }
        int count = 0;
        for (boolean h : half) {
            count += h ? 1 : 0;
        }
        converted[0] = count;
        GraphProto.Builder out = graph.toBuilder().clearNode().addAllNode(nodes).clearInitializer();
        for (TensorProto t : graph.getInitializerList()) {
            out.addInitializer(halfValues.contains(t.getName())
                    ? Tensors.float16Tensor(t.getName(), t.getDimsList(), Tensors.floats(t)) : t);
        }
        out.addAllInitializer(addedInitializers).clearValueInfo();
        for (ValueInfoProto v : graph.getValueInfoList()) {
            boolean toHalf = halfValues.contains(v.getName()) && !renamedOutputs.containsKey(v.getName());
            out.addValueInfo(toHalf ? withType(v, Tensors.FLOAT16) : v);
        }
        return out.build();
    }

    private void decide() {
        List<NodeProto> all = graph.getNodeList();
        half = new boolean[all.size()];
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            NodeProto n = all.get(i);
            half[i] = canRunInHalf(n);
            for (String o : n.getOutputList()) {
                producer.put(o, i);
            }
        }
        // A value read from inside a subgraph keeps its name and so its type: its producer stays FP32.
        Set<String> fixed = new HashSet<>(OnnxModels.subgraphReads(graph));
        // Graph inputs and outputs keep FP32; an initializer listed as either must stay as it is.
        graph.getInputList().forEach(v -> fixed.add(v.getName()));
        Set<String> outputs = new HashSet<>();
        graph.getOutputList().forEach(v -> outputs.add(v.getName()));
        for (String name : fixed) {
            Integer p = producer.get(name);
            if (p != null) {
                half[p] = false;
            }
        }
        Set<String> readInHalf = new HashSet<>();
        for (int i = 0; i < all.size(); i++) {
            NodeProto n = all.get(i);
            for (int k = 0; k < n.getInputCount(); k++) {
                if (half[i] && wantsHalf(n, k)) {
                    readInHalf.add(n.getInput(k));
                }
            }
        }
        for (String name : readInHalf) {
            Integer p = producer.get(name);
            boolean constant = initializers.containsKey(name) && p == null && !outputs.contains(name)
                    || p != null && all.get(p).getOpType().equals("Constant") && canRunInHalf(all.get(p));
            if (constant && !fixed.contains(name) && types.isFloat(name)) {
                halfValues.add(name);
                if (p != null) {
                    half[p] = true;
                }
            }
        }
        for (int i = 0; i < all.size(); i++) {
            NodeProto n = all.get(i);
            if (n.getOpType().equals("Constant") && !halfValues.contains(n.getOutput(0))) {
                half[i] = false;
            }
            if (half[i]) {
                for (String o : n.getOutputList()) {
                    if (types.isFloat(o)) {
                        halfValues.add(o);
                    }
                }
            }
        }
        for (ValueInfoProto v : graph.getOutputList()) {
            if (halfValues.contains(v.getName())) {
                renamedOutputs.put(v.getName(), names.fresh(v.getName() + "_fp16"));
            }
        }
    }

    private boolean canRunInHalf(NodeProto n) {
        if (n.getOpType().equals("Constant") && Nodes.attribute(n, "sparse_value") != null) {
            return false; // its values stay as they are
        }
        if (!OnnxModels.isDefaultDomain(n) || keep.contains(n.getOpType()) || keep.contains(n.getName())
                || ALWAYS_FP32.contains(n.getOpType()) || OnnxModels.hasSubgraph(n)) {
            return false;
        }
        boolean touchesFloat = false;
        for (String in : n.getInputList()) {
            if (!in.isEmpty() && types.of(in) == 0) {
                return false; // cannot tell whether it needs a Cast
            }
            touchesFloat |= types.isFloat(in);
        }
        for (String o : n.getOutputList()) {
            touchesFloat |= types.isFloat(o);
        }
        return touchesFloat || n.getOpType().equals("Constant");
    }

    /** Whether input {@code k} of an FP16 node is read in FP16 (rather than FP32 or as stored). */
    private boolean wantsHalf(NodeProto n, int k) {
        String name = n.getInput(k);
        return !name.isEmpty() && types.isFloat(name) && !ANY_TYPE_INPUTS.contains(n.getOpType())
                && !FLOAT_ONLY_INPUTS.getOrDefault(n.getOpType(), Set.of()).contains(k);
    }

    private void emit(int i) {
        NodeProto n = graph.getNode(i);
        NodeProto.Builder b = n.toBuilder();
        for (int k = 0; k < n.getInputCount(); k++) {
            String name = n.getInput(k);
            if (name.isEmpty() || !types.isFloat(name)) {
                continue;
            }
            boolean stored = halfValues.contains(name);
            if (ANY_TYPE_INPUTS.contains(n.getOpType())) {
                b.setInput(k, stored ? halfName(name) : name);
            } else if (half[i] && wantsHalf(n, k)) {
                b.setInput(k, halfName(name));
            } else {
                b.setInput(k, floatName(name));
            }
        }
        for (int o = 0; o < n.getOutputCount(); o++) {
            b.setOutput(o, renamedOutputs.getOrDefault(n.getOutput(o), n.getOutput(o)));
        }
        if (half[i]) {
            convertAttributes(b);
        }
        nodes.add(b.build());
        for (String o : n.getOutputList()) {
            if (renamedOutputs.containsKey(o)) {
                nodes.add(cast(renamedOutputs.get(o), o, Tensors.FLOAT));
            }
        }
    }

    private String halfName(String name) {
        if (halfValues.contains(name)) {
            return renamedOutputs.getOrDefault(name, name);
        }
        return halfCopies.computeIfAbsent(name, k -> {
            String copy = names.fresh(name + "_fp16");
            TensorProto t = initializers.get(name);
            if (t != null) {
                addedInitializers.add(Tensors.float16Tensor(copy, t.getDimsList(), Tensors.floats(t)));
            } else {
                nodes.add(cast(name, copy, Tensors.FLOAT16));
            }
            return copy;
        });
    }

    private String floatName(String name) {
        if (!halfValues.contains(name) || renamedOutputs.containsKey(name)) {
            return name;
        }
        return floatCopies.computeIfAbsent(name, k -> {
            String copy = names.fresh(name + "_fp32");
            TensorProto t = initializers.get(name);
            if (t != null) {
                addedInitializers.add(t.toBuilder().setName(copy).build());
            } else {
                nodes.add(cast(name, copy, Tensors.FLOAT));
            }
            return copy;
        });
    }

    private NodeProto cast(String from, String to, int type) {
        return Nodes.node("Cast", names.fresh(to + "_cast"), List.of(from), List.of(to),
                Nodes.intAttribute("to", type));
    }

    /** Type-bearing attributes of an FP16 node; float attributes such as alpha or epsilon stay float by spec. */
    private static void convertAttributes(NodeProto.Builder b) {
        String op = b.getOpType();
        boolean hasValue = false;
        for (int a = 0; a < b.getAttributeCount(); a++) {
            AttributeProto attr = b.getAttribute(a);
            String name = attr.getName();
            if (op.equals("Cast") && name.equals("to") && attr.getI() == Tensors.FLOAT) {
                b.setAttribute(a, attr.toBuilder().setI(Tensors.FLOAT16));
            } else if ((op.equals("Constant") || op.equals("ConstantOfShape")) && name.equals("value")) {
                hasValue = true;
                if (attr.hasT() && attr.getT().getDataType() == Tensors.FLOAT) {
                    TensorProto t = attr.getT();
                    b.setAttribute(a, attr.toBuilder()
                            .setT(Tensors.float16Tensor(t.getName(), t.getDimsList(), Tensors.floats(t))));
                }
            } else if (op.equals("Constant") && (name.equals("value_float") || name.equals("value_floats"))) {
                float[] v = name.equals("value_float") ? new float[] {attr.getF()} : toArray(attr.getFloatsList());
                List<Long> dims = name.equals("value_float") ? List.of() : List.of((long) v.length);
                b.setAttribute(a, AttributeProto.newBuilder().setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR).setT(Tensors.float16Tensor("", dims, v)));
            }
        }
        if (op.equals("ConstantOfShape") && !hasValue) {
            // The default value is a float32 zero.
            b.addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                    .setT(Tensors.float16Tensor("", List.of(1L), new float[] {0f})));
        }
    }

    private static float[] toArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static ValueInfoProto withType(ValueInfoProto v, int elemType) {
        ValueInfoProto.Builder b = v.toBuilder();
        b.getTypeBuilder().getTensorTypeBuilder().setElemType(elemType);
        return b.build();
    }
}
