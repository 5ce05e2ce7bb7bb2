package io.edgegate.optimizer.impl;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;

/**
 * The inputs a model is run on while calibrating: given samples, or values generated from the inputs' metadata.
 * Generated values: floats uniform in a range, integers uniform in [0, rows) when the input indexes an embedding table
 * (a Gather over an initializer: token ids, token types), else in [0, 2) (masks, flags); booleans at random. Unknown
 * dimensions are 1 for the first (batch) and {@code dynamicDim} for the others; with {@link #varied} the others vary
 * from sample to sample (the first sample takes {@code dynamicDim}, the rest a length from 8 up to it), dimensions of
 * the same symbolic name taking the same length within a sample, and integer inputs named like a mask all ones. Each
 * sample is seeded by its index, so a second pass sees the same values.
 */
final class CalibrationInputs {
    private final List<Map<String, Object>> given;
    private final int count;
    private final long seed;
    private final double[] floatRange;
    private final long dynamicDim;
    private final boolean vary;

    /** Given samples: input name to a multi-dimensional Java array, as {@link OnnxTensor#createTensor} takes. */
    static CalibrationInputs given(List<Map<String, Object>> samples) {
        return new CalibrationInputs(List.copyOf(samples), samples.size(), 0, null, 0, false);
    }

    static CalibrationInputs generated(int count, long seed, double[] floatRange, long dynamicDim) {
        return new CalibrationInputs(null, count, seed, floatRange, dynamicDim, false);
    }

    /** As {@link #generated}, with unknown dimensions (but the first) of varying length up to {@code maxDim}. */
    static CalibrationInputs varied(int count, long seed, double[] floatRange, long maxDim) {
        return new CalibrationInputs(null, count, seed, floatRange, maxDim, true);
    }

    private CalibrationInputs(List<Map<String, Object>> given, int count, long seed, double[] floatRange,
            long dynamicDim, boolean vary) {
        this.given = given;
        this.count = count;
        this.seed = seed;
        this.floatRange = floatRange;
        this.dynamicDim = dynamicDim;
        this.vary = vary;
    }

    int count() {
        return count;
    }

    /** The tensors of sample {@code index}; the caller closes them. */
    Map<String, OnnxTensor> sample(OrtEnvironment env, int index, Map<String, NodeInfo> inputs, GraphProto graph)
            throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try {
            if (given != null) {
                for (Map.Entry<String, Object> e : given.get(index).entrySet()) {
                    out.put(e.getKey(), OnnxTensor.createTensor(env, e.getValue()));
                }
                return out;
            }
            Random random = new Random(seed + 7919L * index);
            Map<String, Long> tableRows = indexedTables(graph);
            Map<String, Long> lengths = new HashMap<>();
            for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
                if (!(e.getValue().getInfo() instanceof TensorInfo info)) {
                    throw new OrtException("input " + e.getKey() + " is not a tensor: cannot generate it");
                }
                out.put(e.getKey(), generate(env, e.getKey(), info, random, tableRows,
                        name -> lengths.computeIfAbsent(name, n -> length(index, random))));
            }
            return out;
        } catch (OrtException | RuntimeException e) {
            out.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    private long length(int index, Random random) {
        if (!vary || index == 0 || dynamicDim <= 8) {
            return dynamicDim;
        }
        return 8 + random.nextInt((int) Math.min(Integer.MAX_VALUE - 1, dynamicDim - 7));
    }

    private OnnxTensor generate(OrtEnvironment env, String name, TensorInfo info, Random random,
            Map<String, Long> tableRows, java.util.function.Function<String, Long> lengthOf) throws OrtException {
        long[] shape = info.getShape().clone();
        String[] names = info.getDimensionNames();
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                shape[d] = d == 0 ? 1 : lengthOf.apply(names != null && d < names.length ? names[d] : "");
            }
        }
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        int n = Math.toIntExact(elements);
        OnnxJavaType type = info.type;
        switch (type) {
            case FLOAT -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) (floatRange[0] + random.nextDouble() * (floatRange[1] - floatRange[0]));
                }
                return OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape);
            }
            case INT64, INT32 -> {
                long bound = tableRows.getOrDefault(name, 2L);
                long[] v = new long[n];
                // the guard's attention masks attend to every position, as a real request without padding does
                boolean mask = vary && !tableRows.containsKey(name) && name.toLowerCase(java.util.Locale.ROOT)
                        .contains("mask");
                for (int i = 0; i < n; i++) {
                    v[i] = mask ? 1 : (long) (random.nextDouble() * bound);
                }
                if (type == OnnxJavaType.INT64) {
                    return OnnxTensor.createTensor(env, LongBuffer.wrap(v), shape);
                }
                int[] w = new int[n];
                for (int i = 0; i < n; i++) {
                    w[i] = (int) v[i];
                }
                return OnnxTensor.createTensor(env, IntBuffer.wrap(w), shape);
            }
            case BOOL -> {
                byte[] v = new byte[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (byte) (random.nextBoolean() ? 1 : 0);
                }
                return OnnxTensor.createTensor(env, ByteBuffer.wrap(v), shape, OnnxJavaType.BOOL);
            }
            default -> throw new OrtException("cannot generate values of type " + type + " for input " + name
                    + ": give calibration samples");
        }
    }

    /** Graph inputs read as indices by a Gather over an initializer, with that table's row count. */
    private static Map<String, Long> indexedTables(GraphProto graph) {
        Map<String, Long> rows = new HashMap<>();
        Map<String, TensorProto> tables = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            tables.put(t.getName(), t);
        }
        for (NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Gather") && n.getInputCount() == 2 && tables.containsKey(n.getInput(0))
                    && Nodes.intAttribute(n, "axis", 0) == 0 && tables.get(n.getInput(0)).getDimsCount() > 0) {
                rows.merge(n.getInput(1), tables.get(n.getInput(0)).getDims(0), Math::min);
            }
        }
        return rows;
    }
}
