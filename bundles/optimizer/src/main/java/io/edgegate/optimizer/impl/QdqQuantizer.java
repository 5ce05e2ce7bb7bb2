package io.edgegate.optimizer.impl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The graph rewrite of {@link Int8StaticRecipe}: QuantizeLinear/DequantizeLinear pairs on the activations around the
 * chosen operators, and DequantizeLinear over quantized weights and biases. Every consumer of a quantized activation
 * reads its DequantizeLinear output, so the graph means one thing; graph outputs keep their FP32 values.
 */
final class QdqQuantizer {
    /** Operators whose output a following Relu can be folded into (uint8 with zero point 0 clips at 0 itself). */
    private static final Set<String> RELU_FOLDABLE = Set.of("Conv", "MatMul", "Gemm", "Add");

    record Settings(Set<String> ops, Set<String> exclude, boolean perChannel, boolean reduceRange,
            boolean quantizeBias) {
    }

    private final GraphProto graph;
    private final Settings settings;
    private final ElemTypes types;
    private final Names names;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final Set<String> graphOutputs = new HashSet<>();
    private final Set<NodeProto> selected = new HashSet<>();
    /** Relu nodes folded away, and the producer output each one replaces: producer output name to Relu output. */
    private final Set<NodeProto> foldedRelus = new HashSet<>();
    private final Map<String, String> foldedOutputs = new HashMap<>();
    private final Set<String> activations = new LinkedHashSet<>();
    private final Map<String, String> dequantized = new HashMap<>();
    private final Map<String, WeightQuantizer.Quantized> quantizedValues = new HashMap<>();
    private final Map<String, String> quantizedWeights = new HashMap<>();
    final List<NodeProto> nodes = new ArrayList<>();
    final List<TensorProto> initializers = new ArrayList<>();
    boolean perChannelWeights;

    QdqQuantizer(GraphProto graph, Settings settings) {
        this.graph = graph;
        this.settings = settings;
        this.types = new ElemTypes(graph);
        this.names = new Names(graph);
        graph.getInitializerList().forEach(t -> constants.put(t.getName(), t));
        graph.getOutputList().forEach(v -> graphOutputs.add(v.getName()));
        plan();
    }

    /** The activations to calibrate (names as in the FP32 graph). */
    Set<String> activations() {
        return activations;
    }

    int quantizedNodes() {
        return selected.size();
    }

    private void plan() {
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            n.getInputList().forEach(in -> consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n));
            if (quantizable(n)) {
                selected.add(n);
            }
        }
        for (NodeProto n : graph.getNodeList()) {
            if (!selected.contains(n) || !RELU_FOLDABLE.contains(n.getOpType())) {
                continue;
            }
            String out = n.getOutput(0);
            List<NodeProto> readers = consumers.getOrDefault(out, List.of());
            if (readers.size() == 1 && selected.contains(readers.get(0)) && readers.get(0).getOpType().equals("Relu")
                    && !graphOutputs.contains(out)) {
                foldedRelus.add(readers.get(0));
                foldedOutputs.put(out, readers.get(0).getOutput(0));
            }
        }
        selected.removeAll(foldedRelus);
        for (NodeProto n : graph.getNodeList()) {
            if (!selected.contains(n)) {
                continue;
            }
            for (int k = 0; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                if (!in.isEmpty() && !constants.containsKey(in) && types.isFloat(in)) {
                    activations.add(in);
                }
            }
            String out = foldedOutputs.getOrDefault(n.getOutput(0), n.getOutput(0));
            if (!graphOutputs.contains(out)) {
                activations.add(out);
            }
        }
    }

    private boolean quantizable(NodeProto n) {
        if (!OnnxModels.isDefaultDomain(n) || !settings.ops.contains(n.getOpType())
                || settings.exclude.contains(n.getName()) || n.getOutputCount() == 0 || n.getInputCount() == 0
                || !types.isFloat(n.getInput(0)) || constants.containsKey(n.getInput(0))) {
            return false;
        }
        return switch (n.getOpType()) {
            case "Conv" -> isFloatConstant(Nodes.input(n, 1), 3);
            case "MatMul" -> isFloatConstant(Nodes.input(n, 1), 2);
            case "Gemm" -> Nodes.intAttribute(n, "transA", 0) == 0 && isFloatConstant(Nodes.input(n, 1), 2);
            case "Add" -> n.getInputCount() == 2 && types.isFloat(n.getInput(1)) && !constants.containsKey(n.getInput(1));
            case "MaxPool" -> n.getOutputCount() == 1;
            default -> true;
        };
    }

    private boolean isFloatConstant(String name, int minRank) {
        TensorProto t = constants.get(name);
        return t != null && Tensors.isFloat(t) && t.getDimsCount() >= minRank;
    }

    /** Rewrites the graph with these activation ranges ({min, max} by tensor name). */
    void rewrite(Map<String, double[]> ranges) {
        // A MaxPool keeps its input's scale, so ONNX Runtime can drop the Q/DQ around it and pool on uint8.
        for (NodeProto n : graph.getNodeList()) {
            if (selected.contains(n) && n.getOpType().equals("MaxPool") && ranges.containsKey(n.getInput(0))) {
                ranges.put(n.getOutput(0), ranges.get(n.getInput(0)));
            }
        }
        Map<String, float[]> params = new HashMap<>();
        for (String a : activations) {
            double[] r = ranges.get(a);
            if (r != null) {
                params.put(a, WeightQuantizer.activationParams(r[0], r[1]));
            }
        }
        for (ValueInfoProto in : graph.getInputList()) {
            emitQdq(in.getName(), params);
        }
        for (NodeProto n : graph.getNodeList()) {
            if (foldedRelus.contains(n)) {
                continue;
            }
            NodeProto.Builder b = n.toBuilder();
            for (int k = 0; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                if (dequantized.containsKey(in)) {
                    b.setInput(k, dequantized.get(in));
                }
            }
            if (selected.contains(n)) {
                quantizeWeights(n, b, params);
            }
            for (int o = 0; o < n.getOutputCount(); o++) {
                b.setOutput(o, foldedOutputs.getOrDefault(n.getOutput(o), n.getOutput(o)));
            }
            NodeProto rewritten = b.build();
            nodes.add(rewritten);
            for (String out : rewritten.getOutputList()) {
                emitQdq(out, params);
            }
        }
    }

    private void emitQdq(String tensor, Map<String, float[]> params) {
        float[] p = params.get(tensor);
        if (p == null) {
            return;
        }
        String scale = names.fresh(tensor + "_scale");
        String zeroPoint = names.fresh(tensor + "_zero_point");
        initializers.add(Tensors.floatTensor(scale, new long[0], new float[] {p[0]}));
        initializers.add(Tensors.byteTensor(zeroPoint, Tensors.UINT8, new long[0], new byte[] {(byte) (int) p[1]}));
        String q = names.fresh(tensor + "_QuantizeLinear_Output");
        String dq = names.fresh(tensor + "_DequantizeLinear_Output");
        nodes.add(Nodes.node("QuantizeLinear", names.fresh(tensor + "_QuantizeLinear"), List.of(tensor, scale, zeroPoint),
                List.of(q)));
        nodes.add(Nodes.node("DequantizeLinear", names.fresh(tensor + "_DequantizeLinear"),
                List.of(q, scale, zeroPoint), List.of(dq)));
        dequantized.put(tensor, dq);
    }

    /** Weight (input 1) and bias (input 2) of a Conv, MatMul or Gemm, through DequantizeLinear. */
    private void quantizeWeights(NodeProto n, NodeProto.Builder b, Map<String, float[]> params) {
        String op = n.getOpType();
        if (!op.equals("Conv") && !op.equals("MatMul") && !op.equals("Gemm")) {
            return;
        }
        float[] input = params.get(n.getInput(0));
        String w = n.getInput(1);
        boolean perChannel = settings.perChannel && op.equals("Conv");
        String key = w + (perChannel ? "@0" : "");
        TensorProto t = constants.get(w);
        int rows = perChannel ? (int) t.getDims(0) : 1;
        int cols = (int) (Tensors.elementCount(t) / rows);
        // A Conv weight is [M, C/group, kH, kW]: row m of the flattened [M, rest] matrix is output channel m.
        WeightQuantizer.Quantized q = quantizedValues.computeIfAbsent(key, k -> WeightQuantizer.symmetricInt8(
                Tensors.floats(t), rows, cols, false, perChannel, settings.reduceRange, 1.0));
        b.setInput(1, quantizedWeights.computeIfAbsent(key, k -> dequantizeLinear(w, t, q, perChannel)));
        perChannelWeights |= perChannel;
        String bias = Nodes.input(n, 2);
        boolean plainGemm = !op.equals("Gemm") || Nodes.floatAttribute(n, "alpha", 1f) == 1f
                && Nodes.floatAttribute(n, "beta", 1f) == 1f;
        TensorProto bt = constants.get(bias);
        if (settings.quantizeBias && input != null && plainGemm && bt != null && Tensors.isFloat(bt)
                && bt.getDimsCount() == 1 && (!perChannel || bt.getDims(0) == rows)) {
            b.setInput(2, quantizeBias(bias, Tensors.floats(bt), input[0], q.scales()));
        }
    }

    private String dequantizeLinear(String name, TensorProto t, WeightQuantizer.Quantized q, boolean perChannel) {
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long[] channelDims = perChannel ? new long[] {dims[0]} : new long[0];
        String values = names.fresh(name + "_quantized");
        String scale = names.fresh(name + "_scale");
        String zeroPoint = names.fresh(name + "_zero_point");
        initializers.add(Tensors.byteTensor(values, Tensors.INT8, dims, q.values()));
        initializers.add(Tensors.floatTensor(scale, channelDims, q.scales()));
        initializers.add(Tensors.byteTensor(zeroPoint, Tensors.INT8, channelDims, new byte[q.scales().length]));
        String out = names.fresh(name + "_DequantizeLinear_Output");
        NodeProto dq = perChannel
                ? Nodes.node("DequantizeLinear", names.fresh(name + "_DequantizeLinear"),
                        List.of(values, scale, zeroPoint), List.of(out), Nodes.intAttribute("axis", 0))
                : Nodes.node("DequantizeLinear", names.fresh(name + "_DequantizeLinear"),
                        List.of(values, scale, zeroPoint), List.of(out));
        nodes.add(dq);
        return out;
    }

    /** INT32 bias with scale input scale x weight scale (per channel), as QLinearConv and QGemm take it. */
    private String quantizeBias(String name, float[] bias, float inputScale, float[] weightScales) {
        float[] scales = new float[weightScales.length];
        int[] q = new int[bias.length];
        for (int i = 0; i < bias.length; i++) {
            float s = inputScale * weightScales[weightScales.length == 1 ? 0 : i];
            if (i < scales.length) {
                scales[i] = s;
            }
            q[i] = (int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, Math.round((double) bias[i] / s)));
        }
        String values = names.fresh(name + "_quantized");
        String scale = names.fresh(name + "_scale");
        long[] scaleDims = scales.length == 1 ? new long[0] : new long[] {scales.length};
        initializers.add(Tensors.int32Tensor(values, new long[] {bias.length}, q));
        initializers.add(Tensors.floatTensor(scale, scaleDims, scales));
        String out = names.fresh(name + "_DequantizeLinear_Output");
        nodes.add(scales.length == 1
                ? Nodes.node("DequantizeLinear", names.fresh(name + "_DequantizeLinear"), List.of(values, scale),
                        List.of(out))
                : Nodes.node("DequantizeLinear", names.fresh(name + "_DequantizeLinear"), List.of(values, scale),
                        List.of(out), Nodes.intAttribute("axis", 0)));
        return out;
    }
}
