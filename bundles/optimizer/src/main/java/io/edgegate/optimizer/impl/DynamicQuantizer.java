package io.edgegate.optimizer.impl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * The graph rewrite of {@link Int8DynamicRecipe}, one node at a time into {@link #nodes}, in the original order (so
 * the result stays topologically sorted: a DynamicQuantizeLinear is placed right before the first MatMul reading it).
 */
final class DynamicQuantizer {

    record Settings(boolean perChannel, long minElements, Set<String> exclude, boolean reduceRange, boolean gather,
            double scaleFactor) {
    }

    private final GraphProto graph;
    private final Settings settings;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final Names names;
    /** Activation name to the SmoothQuant factors its channels are divided by (absent: not smoothed). */
    private final Map<String, float[]> smoothing = new HashMap<>();
    /** Activation name to the outputs of its DynamicQuantizeLinear: {quantized, scale, zero point}. */
    private final Map<String, String[]> quantizedActivations = new HashMap<>();
    /** Weight key to its quantized initializers: {values, scale, zero point}. */
    private final Map<String, String[]> quantizedWeights = new HashMap<>();
    final List<NodeProto> nodes = new ArrayList<>();
    final List<TensorProto> initializers = new ArrayList<>();
    int quantized;

    DynamicQuantizer(GraphProto graph, Settings settings) {
        this.graph = graph;
        this.settings = settings;
        this.names = new Names(graph);
        for (TensorProto t : graph.getInitializerList()) {
            constants.put(t.getName(), t);
        }
    }

    /** A weight as MatMul reads it: {@code [rows = K, cols = N]}, row-major. */
    record Matrix(float[] values, int rows, int cols) {
    }

    /** The activations of the MatMuls and Gemms to quantize, each with the weights that read it. */
    Map<String, List<Matrix>> matMulInputs() {
        Map<String, List<Matrix>> out = new LinkedHashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            if (isMatMul(n) || isGemm(n)) {
                boolean transposed = isGemm(n) && Nodes.intAttribute(n, "transB", 0) != 0;
                TensorProto t = constants.get(n.getInput(1));
                float alpha = isGemm(n) ? Nodes.floatAttribute(n, "alpha", 1f) : 1f;
                out.computeIfAbsent(n.getInput(0), k -> new ArrayList<>()).add(new Matrix(
                        weight(n.getInput(1), transposed, alpha), (int) t.getDims(transposed ? 1 : 0),
                        (int) t.getDims(transposed ? 0 : 1)));
            }
        }
        return out;
    }

    /** How many nodes {@link #rewrite()} will quantize. */
    long targets() {
        return graph.getNodeList().stream().filter(n -> isMatMul(n) || isGemm(n) || isGather(n)).count();
    }

    /** Divides {@code activation}'s channels by {@code factors} before quantizing it, and multiplies weight rows. */
    void smooth(String activation, float[] factors) {
        smoothing.put(activation, factors);
    }

    void rewrite() {
        for (NodeProto node : graph.getNodeList()) {
            if (isMatMul(node)) {
                String[] w = quantizedWeight(node.getInput(0), node.getInput(1), false, 1f);
                emitMatMul(node.getInput(0), w, node.getOutput(0), Nodes.nameOf(node));
            } else if (isGemm(node)) {
                rewriteGemm(node);
            } else if (isGather(node)) {
                rewriteGather(node);
            } else {
                nodes.add(node);
            }
        }
    }

    private boolean rewritable(NodeProto n) {
        return OnnxModels.isDefaultDomain(n) && !settings.exclude.contains(n.getName());
    }

    private boolean isMatMul(NodeProto n) {
        return n.getOpType().equals("MatMul") && rewritable(n) && n.getInputCount() == 2 && eligible(n.getInput(1));
    }

    private boolean isGemm(NodeProto n) {
        if (!n.getOpType().equals("Gemm") || !rewritable(n) || n.getInputCount() < 2
                || Nodes.intAttribute(n, "transA", 0) != 0 || !eligible(n.getInput(1))) {
            return false;
        }
        String c = Nodes.input(n, 2);
        return c.isEmpty() || Nodes.floatAttribute(n, "beta", 1f) == 1f
                || constants.containsKey(c) && Tensors.isFloat(constants.get(c));
    }

    private boolean isGather(NodeProto n) {
        return n.getOpType().equals("Gather") && settings.gather && rewritable(n) && n.getInputCount() == 2
                && eligible(n.getInput(0));
    }

    private boolean eligible(String weight) {
        TensorProto t = constants.get(weight);
        return t != null && Tensors.isFloat(t) && t.getDimsCount() == 2
                && Tensors.elementCount(t) >= settings.minElements && !settings.exclude.contains(weight);
    }

    private void rewriteGemm(NodeProto gemm) {
        String base = Nodes.nameOf(gemm);
        String y = gemm.getOutput(0);
        String c = Nodes.input(gemm, 2);
        boolean transB = Nodes.intAttribute(gemm, "transB", 0) != 0;
        String[] w = quantizedWeight(gemm.getInput(0), gemm.getInput(1), transB,
                Nodes.floatAttribute(gemm, "alpha", 1f));
        String product = c.isEmpty() ? y : names.fresh(y + "_matmul");
        emitMatMul(gemm.getInput(0), w, product, base);
        if (!c.isEmpty()) {
            float beta = Nodes.floatAttribute(gemm, "beta", 1f);
            String bias = c;
            if (beta != 1f) {
                TensorProto ct = constants.get(c);
                float[] v = Tensors.floats(ct);
                for (int i = 0; i < v.length; i++) {
                    v[i] *= beta;
                }
                bias = names.fresh(c + "_beta");
                initializers.add(Tensors.floatTensor(bias, dims(ct), v));
            }
            nodes.add(Nodes.node("Add", names.fresh(base + "_bias_add"), List.of(product, bias), List.of(y)));
        }
    }

    /** B as MatMul reads it: {@code [K, N]}, row-major. */
    private float[] weight(String name, boolean transposed, float alpha) {
        TensorProto t = constants.get(name);
        float[] w = Tensors.floats(t);
        if (transposed) {
            w = Tensors.transpose(w, (int) t.getDims(0), (int) t.getDims(1));
        }
        if (alpha != 1f) {
            for (int i = 0; i < w.length; i++) {
                w[i] *= alpha;
            }
        }
        return w;
    }

    /** The quantized form of B, made once per weight and activation (smoothing depends on the activation). */
    private String[] quantizedWeight(String activation, String name, boolean transposed, float alpha) {
        float[] factors = smoothing.get(activation);
        String key = name + (transposed ? "^T" : "") + (alpha != 1f ? "*" + alpha : "")
                + (factors != null ? "@" + activation : "");
        return quantizedWeights.computeIfAbsent(key, k -> {
            TensorProto t = constants.get(name);
            int rows = (int) t.getDims(transposed ? 1 : 0);
            int cols = (int) t.getDims(transposed ? 0 : 1);
            float[] w = weight(name, transposed, alpha);
            if (factors != null) {
                for (int i = 0; i < w.length; i++) {
                    w[i] *= factors[i / cols];
                }
            }
            WeightQuantizer.Quantized q = WeightQuantizer.symmetricInt8(w, rows, cols, true, settings.perChannel,
                    settings.reduceRange, settings.scaleFactor);
            String base = transposed ? name + "_transposed" : name;
            long[] channelDims = settings.perChannel ? new long[] {cols} : new long[0];
            String[] n = {names.fresh(base + "_quantized"), names.fresh(base + "_scale"),
                    names.fresh(base + "_zero_point")};
            initializers.add(Tensors.byteTensor(n[0], Tensors.INT8, new long[] {rows, cols}, q.values()));
            initializers.add(Tensors.floatTensor(n[1], channelDims, q.scales()));
            initializers.add(Tensors.byteTensor(n[2], Tensors.INT8, channelDims, new byte[q.scales().length]));
            return n;
        });
    }

    private void emitMatMul(String a, String[] w, String y, String base) {
        String[] aq = quantizedActivations.computeIfAbsent(a, k -> {
            String input = a;
            float[] factors = smoothing.get(a);
            if (factors != null) {
                float[] inverse = new float[factors.length];
                for (int i = 0; i < inverse.length; i++) {
                    inverse[i] = 1f / factors[i];
                }
                String divisors = names.fresh(a + "_smooth_scale");
                initializers.add(Tensors.floatTensor(divisors, new long[] {inverse.length}, inverse));
                input = names.fresh(a + "_smoothed");
                nodes.add(Nodes.node("Mul", names.fresh(a + "_smooth"), List.of(a, divisors), List.of(input)));
            }
            String[] n = {names.fresh(a + "_quantized"), names.fresh(a + "_scale"), names.fresh(a + "_zero_point")};
            nodes.add(Nodes.node("DynamicQuantizeLinear", names.fresh(a + "_QuantizeLinear"), List.of(input),
                    List.of(n)));
            return n;
        });
        String scales = names.fresh(base + "_quant_scales_mul:0");
        nodes.add(Nodes.node("Mul", names.fresh(base + "_quant_scales_mul"), List.of(aq[1], w[1]), List.of(scales)));
        String integer = names.fresh(y + "_output_quantized");
        nodes.add(Nodes.node("MatMulInteger", names.fresh(base + "_quant"), List.of(aq[0], w[0], aq[2], w[2]),
                List.of(integer)));
        String floats = names.fresh(integer + "_cast_output");
        nodes.add(Nodes.node("Cast", names.fresh(integer + "_cast"), List.of(integer), List.of(floats),
                Nodes.intAttribute("to", Tensors.FLOAT)));
        nodes.add(Nodes.node("Mul", names.fresh(base + "_quant_output_scale_mul"), List.of(floats, scales),
                List.of(y)));
        quantized++;
    }

    private void rewriteGather(NodeProto gather) {
        String table = gather.getInput(0);
        String[] w = quantizedWeights.computeIfAbsent(table + "^gather", k -> {
            TensorProto t = constants.get(table);
            WeightQuantizer.Quantized q = WeightQuantizer.asymmetricUint8(Tensors.floats(t));
            String[] n = {names.fresh(table + "_quantized"), names.fresh(table + "_scale"),
                    names.fresh(table + "_zero_point")};
            initializers.add(Tensors.byteTensor(n[0], Tensors.UINT8, dims(t), q.values()));
            initializers.add(Tensors.floatTensor(n[1], new long[0], q.scales()));
            initializers.add(Tensors.byteTensor(n[2], Tensors.UINT8, new long[0], new byte[] {(byte) q.zeroPoint()}));
            return n;
        });
        String y = gather.getOutput(0);
        String gathered = names.fresh(y + "_quantized");
        nodes.add(gather.toBuilder().setInput(0, w[0]).setOutput(0, gathered).build());
        nodes.add(Nodes.node("DequantizeLinear", names.fresh(Nodes.nameOf(gather) + "_DequantizeLinear"),
                List.of(gathered, w[1], w[2]), List.of(y)));
        quantized++;
    }

    private static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }
}
