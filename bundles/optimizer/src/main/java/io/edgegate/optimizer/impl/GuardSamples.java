package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

/**
 * The inputs the accuracy guard runs both models on: the Open Inference Protocol request bodies shipped beside the
 * model ({@code models/<name>/<version>/samples/*.json}, in file name order), else inputs generated from the model's
 * metadata ({@link CalibrationInputs#varied}: token ids within the embedding table, attention masks of ones, floats
 * uniform in [-1, 1] like the recipes' own calibration, unknown dimensions of batch 1 and lengths from 8 to
 * {@code maxDim}). Real samples judge a variant on the data it will see; generated ones catch what breaks a model
 * everywhere.
 */
final class GuardSamples {
    static final String FOLDER = "samples";
    private static final int MAX_FILES = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One input of a sample file: its datatype, shape and values in row-major order. */
    private record Given(String datatype, long[] shape, double[] values) {
    }

    private final List<Map<String, Given>> files;
    private final CalibrationInputs generated;
    private final String description;

    private GuardSamples(List<Map<String, Given>> files, CalibrationInputs generated, String description) {
        this.files = files;
        this.generated = generated;
        this.description = description;
    }

    /**
     * The samples shipped in {@code versionDir/samples/} if there are any, else {@code count} generated ones.
     *
     * @throws IOException naming the file that is not a valid request body
     */
    static GuardSamples of(Path versionDir, int count, long maxDim) throws IOException {
        Path dir = versionDir == null ? null : versionDir.resolve(FOLDER);
        List<Path> paths = new ArrayList<>();
        if (dir != null && Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
                ds.forEach(paths::add);
            }
        }
        if (paths.isEmpty()) {
            return new GuardSamples(null, CalibrationInputs.varied(count, 20261122L, new double[] {-1, 1}, maxDim),
                    "generated");
        }
        paths.sort(null);
        List<Map<String, Given>> files = new ArrayList<>();
        for (Path p : paths.subList(0, Math.min(MAX_FILES, paths.size()))) {
            files.add(read(p));
        }
        return new GuardSamples(files, null, FOLDER + "/");
    }

    int count() {
        return files != null ? files.size() : generated.count();
    }

    /** {@code generated} or {@code samples/}. */
    String description() {
        return description;
    }

    /** The tensors of sample {@code index}; the caller closes them. */
    Map<String, OnnxTensor> sample(OrtEnvironment env, int index, Map<String, NodeInfo> inputs, GraphProto graph)
            throws OrtException {
        if (generated != null) {
            return generated.sample(env, index, inputs, graph);
        }
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Given> e : files.get(index).entrySet()) {
                out.put(e.getKey(), tensor(env, e.getValue()));
            }
            return out;
        } catch (OrtException | RuntimeException e) {
            out.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    private static OnnxTensor tensor(OrtEnvironment env, Given g) throws OrtException {
        double[] v = g.values();
        int n = v.length;
        switch (g.datatype()) {
            case "FP32" -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) v[i];
                }
                return OnnxTensor.createTensor(env, FloatBuffer.wrap(f), g.shape());
            }
            case "FP64" -> {
                return OnnxTensor.createTensor(env, DoubleBuffer.wrap(v.clone()), g.shape());
            }
            case "INT64" -> {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = (long) v[i];
                }
                return OnnxTensor.createTensor(env, LongBuffer.wrap(l), g.shape());
            }
            case "INT32" -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (int) v[i];
                }
                return OnnxTensor.createTensor(env, IntBuffer.wrap(a), g.shape());
            }
            case "INT16" -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (short) v[i];
                }
                return OnnxTensor.createTensor(env, ShortBuffer.wrap(a), g.shape());
            }
            default -> {
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) v[i];
                }
                OnnxJavaType type = switch (g.datatype()) {
                    case "BOOL" -> OnnxJavaType.BOOL;
                    case "UINT8" -> OnnxJavaType.UINT8;
                    default -> OnnxJavaType.INT8;
                };
                return OnnxTensor.createTensor(env, ByteBuffer.wrap(b), g.shape(), type);
            }
        }
    }

    /** One OIP request body: {@code {"inputs": [{"name", "datatype", "shape", "data"}]}}, data flat or nested. */
    private static Map<String, Given> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(FOLDER + "/" + file.getFileName() + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode inputs = root == null ? null : root.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw bad(file, "has no \"inputs\" list");
        }
        Map<String, Given> sample = new LinkedHashMap<>();
        for (JsonNode in : inputs) {
            String name = in.path("name").asText("");
            String datatype = in.path("datatype").asText("");
            if (name.isEmpty() || !List.of("FP32", "FP64", "INT64", "INT32", "INT16", "INT8", "UINT8", "BOOL")
                    .contains(datatype)) {
                throw bad(file, "input '" + name + "' needs a name and a datatype of FP32, FP64, INT64, INT32, INT16, "
                        + "INT8, UINT8 or BOOL");
            }
            JsonNode shapeNode = in.path("shape");
            long[] shape = new long[shapeNode.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong(-1);
                if (shape[i] < 0) {
                    throw bad(file, "input '" + name + "' has a shape that is not a list of sizes");
                }
                elements = Math.multiplyExact(elements, shape[i]);
            }
            List<Double> values = new ArrayList<>();
            flatten(in.path("data"), values);
            if (!shapeNode.isArray() || values.size() != elements) {
                throw bad(file, "input '" + name + "' has " + values.size() + " values for shape "
                        + shapeNode);
            }
            sample.put(name, new Given(datatype, shape, values.stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return sample;
    }

    private static void flatten(JsonNode n, List<Double> into) {
        if (n.isArray()) {
            n.forEach(e -> flatten(e, into));
        } else if (n.isBoolean()) {
            into.add(n.asBoolean() ? 1.0 : 0.0);
        } else if (n.isNumber()) {
            into.add(n.asDouble());
        }
    }

    private static IOException bad(Path file, String why) {
        return new IOException(FOLDER + "/" + file.getFileName() + " " + why);
    }
}
