package io.edgegate.store.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgegate.model.DataType;
import io.edgegate.model.TensorSpec;

/**
 * Reads {@code model.json}:
 *
 * <pre>
 * {
 *   "inputs":  [{"name": "input_ids", "datatype": "INT64", "shape": [-1, -1]}],
 *   "outputs": [{"name": "last_hidden_state", "datatype": "FP32", "shape": [-1, -1, 384]}],
 *   "providers": ["cuda", "cpu"],
 *   "threads": {"intra_op": 2, "inter_op": 1}
 * }
 * </pre>
 *
 * Every field is optional. Unknown fields are refused so that a typo does not pass silently.
 */
final class ModelJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final List<String> FIELDS = List.of("inputs", "outputs", "providers", "threads");

    final List<TensorSpec> inputs;
    final List<TensorSpec> outputs;
    final List<String> providers;
    final int intraOpThreads;
    final int interOpThreads;

    private ModelJson(List<TensorSpec> inputs, List<TensorSpec> outputs, List<String> providers, int intra,
            int inter) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.providers = providers;
        this.intraOpThreads = intra;
        this.interOpThreads = inter;
    }

    /** @throws IOException with a message naming what is wrong in the file */
    static ModelJson read(Path file) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException("model.json is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IOException("model.json must hold a JSON object");
        }
        for (var it = root.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IOException("model.json has unknown field '" + f + "'; known: " + FIELDS);
            }
        }
        List<String> providers = new ArrayList<>();
        for (JsonNode p : array(root, "providers")) {
            if (!p.isTextual() || p.asText().isBlank()) {
                throw new IOException("model.json: 'providers' must be a list of provider ids");
            }
            providers.add(p.asText());
        }
        JsonNode threads = root.path("threads");
        if (!threads.isMissingNode() && !threads.isObject()) {
            throw new IOException("model.json: 'threads' must be an object with intra_op and inter_op");
        }
        return new ModelJson(specs(root, "inputs"), specs(root, "outputs"), providers,
                count(threads, "intra_op"), count(threads, "inter_op"));
    }

    private static Iterable<JsonNode> array(JsonNode root, String field) throws IOException {
        JsonNode n = root.path(field);
        if (n.isMissingNode()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new IOException("model.json: '" + field + "' must be a list");
        }
        return n;
    }

    private static List<TensorSpec> specs(JsonNode root, String field) throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        for (JsonNode s : array(root, field)) {
            String name = s.path("name").asText("");
            if (name.isEmpty()) {
                throw new IOException("model.json: an entry of '" + field + "' has no name");
            }
            JsonNode shape = s.path("shape");
            if (!shape.isArray()) {
                throw new IOException("model.json: '" + name + "' needs a shape list (-1 for dynamic)");
            }
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                JsonNode d = shape.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < -1) {
                    throw new IOException("model.json: shape of '" + name + "' holds " + shape.get(i));
                }
                dims[i] = shape.get(i).asLong();
            }
            if (!s.path("datatype").isTextual()) {
                throw new IOException("model.json: '" + name + "' needs a \"datatype\" such as \"FP32\"");
            }
            try {
                specs.add(new TensorSpec(name, DataType.fromName(s.path("datatype").asText()), dims));
            } catch (IllegalArgumentException e) {
                throw new IOException("model.json: '" + name + "': " + e.getMessage());
            }
        }
        return specs;
    }

    private static int count(JsonNode threads, String field) throws IOException {
        JsonNode n = threads.path(field);
        if (n.isMissingNode()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) {
            throw new IOException("model.json: threads." + field + " must be a non-negative integer");
        }
        return n.asInt();
    }
}
