package io.edgegate.store.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgegate.model.DataType;
import io.edgegate.model.TensorSpec;
import io.edgegate.store.OptimizeConfig;

/**
 * Reads {@code model.json}:
 *
 * <pre>
 * {
 *   "inputs":  [{"name": "input_ids", "datatype": "INT64", "shape": [-1, -1]}],
 *   "outputs": [{"name": "last_hidden_state", "datatype": "FP32", "shape": [-1, -1, 384]}],
 *   "providers": ["cuda", "cpu"],
 *   "threads": {"intra_op": 2, "inter_op": 1},
 *   "optimize": {"recipe": "int8-dynamic", "options": {"perChannel": true}, "serve": true, "minCosine": 0.99}
 * }
 * </pre>
 *
 * Every field is optional. Unknown fields are refused so that a typo does not pass silently. Whether the recipe and
 * its options exist is for the optimizer to say (it reports a bad one as a failed variant); here only their form is
 * checked.
 */
final class ModelJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final List<String> FIELDS = List.of("inputs", "outputs", "providers", "threads", "optimize");
    private static final List<String> OPTIMIZE_FIELDS = List.of("recipe", "options", "serve", "minCosine",
            "maxAbsDiff", "minTop1", "samples");
    private static final Pattern RECIPE = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    final List<TensorSpec> inputs;
    final List<TensorSpec> outputs;
    final List<String> providers;
    final int intraOpThreads;
    final int interOpThreads;
    /** Null when absent. */
    final OptimizeConfig optimize;

    private ModelJson(List<TensorSpec> inputs, List<TensorSpec> outputs, List<String> providers, int intra,
            int inter, OptimizeConfig optimize) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.providers = providers;
        this.intraOpThreads = intra;
        this.interOpThreads = inter;
        this.optimize = optimize;
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
                count(threads, "intra_op"), count(threads, "inter_op"), optimize(root.path("optimize")));
    }

    private static OptimizeConfig optimize(JsonNode o) throws IOException {
        if (o.isMissingNode()) {
            return null;
        }
        if (!o.isObject()) {
            throw new IOException("model.json: 'optimize' must be an object with a \"recipe\"");
        }
        for (var it = o.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!OPTIMIZE_FIELDS.contains(f)) {
                throw new IOException("model.json: optimize has unknown field '" + f + "'; known: " + OPTIMIZE_FIELDS);
            }
        }
        JsonNode recipe = o.path("recipe");
        if (!recipe.isTextual() || !RECIPE.matcher(recipe.asText()).matches()) {
            throw new IOException("model.json: optimize.recipe must name a recipe, such as \"int8-dynamic\"");
        }
        Map<String, String> options = new LinkedHashMap<>();
        JsonNode opts = o.path("options");
        if (!opts.isMissingNode()) {
            if (!opts.isObject()) {
                throw new IOException("model.json: optimize.options must be an object of option names to values");
            }
            for (var it = opts.fields(); it.hasNext();) {
                var e = it.next();
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw new IOException("model.json: optimize.options." + e.getKey()
                            + " must be a string, a number or true/false");
                }
                options.put(e.getKey(), e.getValue().asText());
            }
        }
        JsonNode serve = o.path("serve");
        if (!serve.isMissingNode() && !serve.isBoolean()) {
            throw new IOException("model.json: optimize.serve must be true or false");
        }
        Map<String, String> guard = new LinkedHashMap<>();
        number(o, "minCosine", -1, 1, false, guard);
        number(o, "maxAbsDiff", Double.MIN_VALUE, Double.MAX_VALUE, false, guard);
        number(o, "minTop1", 0, 1, false, guard);
        number(o, "samples", 1, 1000, true, guard);
        return new OptimizeConfig(recipe.asText(), options, guard, serve.isMissingNode() || serve.asBoolean());
    }

    private static void number(JsonNode o, String field, double min, double max, boolean integer,
            Map<String, String> into) throws IOException {
        JsonNode n = o.path(field);
        if (n.isMissingNode()) {
            return;
        }
        if (!n.isNumber() || (integer && !n.isIntegralNumber()) || !(n.asDouble() >= min && n.asDouble() <= max)) {
            throw new IOException("model.json: optimize." + field + " must be " + (integer ? "an integer" : "a number")
                    + " from " + (min == Double.MIN_VALUE ? "above 0" : fmt(min)) + " to "
                    + (max == Double.MAX_VALUE ? "any" : fmt(max)));
        }
        into.put(field, n.asText());
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
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
