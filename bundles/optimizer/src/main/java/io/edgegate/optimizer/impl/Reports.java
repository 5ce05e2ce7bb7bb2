package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.optimizer.Variant;
import io.edgegate.store.ModelStore;

/**
 * A variant's {@code report.json}, beside its model in {@code variants/<key>/}:
 *
 * <pre>
 * {"model": "m", "version": 1, "recipe": "int8-dynamic", "options": {}, "key": "9f2c...",
 *  "outcome": "ACCEPTED" | "REJECTED" | "FAILED", "reason": null | "cosine similarity 0.61 ... is below minCosine 0.99",
 *  "source": {"sha256": "...", "bytes": 90405214}, "variant": {"sha256": "...", "bytes": 23023187},
 *  "onnxRuntime": "1.28.0", "thresholds": {"minCosine": 0.99, "maxAbsDiff": null, "minTop1": 0.99},
 *  "metrics": {"samples": 20, "inputs": "generated", "cosineMean": 0.993, "cosineMin": 0.95, "maxAbsDiff": 0.41,
 *              "top1Agreement": null, "outputs": {"output_0": {...}, ...}},
 *  "timings": {"recipeMs": 5210, "guardMs": 1840}, "created": "2026-11-22T07:00:00Z"}
 * </pre>
 *
 * The store reads {@code outcome}, {@code key}, {@code recipe}, {@code source.sha256} and {@code variant.sha256} of it
 * to decide whether the version may serve the variant. Written to a temporary file, synced and renamed into place.
 */
final class Reports {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Reports() {
    }

    static void write(Path dir, Variant v, Map<String, Comparison> outputs) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", v.model()).put("version", v.version()).put("recipe", v.recipe());
        o.set("options", JSON.valueToTree(new TreeMap<>(v.options())));
        o.put("key", v.key()).put("outcome", v.outcome().name()).put("reason", v.reason());
        o.putObject("source").put("sha256", v.sourceSha256()).put("bytes", v.sourceBytes());
        o.putObject("variant").put("sha256", v.variantSha256()).put("bytes", v.variantBytes());
        o.put("onnxRuntime", v.onnxRuntime());
        if (v.thresholds() != null) {
            o.putObject("thresholds").put("minCosine", v.thresholds().minCosine())
                    .put("maxAbsDiff", v.thresholds().maxAbsDiff()).put("minTop1", v.thresholds().minTop1());
        }
        if (v.metrics() != null) {
            ObjectNode m = metrics(o.putObject("metrics"), v.metrics());
            ObjectNode per = m.putObject("outputs");
            outputs.forEach((name, c) -> per.putObject(name).put("rows", c.rows()).put("cosineMean", c.cosineMean())
                    .put("cosineMin", c.cosineMin()).put("maxAbsDiff", c.maxAbsDiff())
                    .put("top1Agreement", c.top1Agreement()));
        }
        o.putObject("timings").put("recipeMs", v.recipeMillis()).put("guardMs", v.guardMillis());
        o.put("created", v.created().toString());
        Path temp = Files.createTempFile(dir, "." + ModelStore.VARIANT_REPORT, ".part");
        try {
            Files.write(temp, JSON.writeValueAsBytes(o));
            try (var c = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
                c.force(true);
            }
            OnnxModels.moveInPlace(temp, dir.resolve(ModelStore.VARIANT_REPORT));
        } finally {
            OnnxModels.deleteQuietly(temp);
        }
    }

    private static ObjectNode metrics(ObjectNode m, Variant.Metrics v) {
        return m.put("samples", v.samples()).put("inputs", v.inputs()).put("cosineMean", v.cosineMean())
                .put("cosineMin", v.cosineMin()).put("maxAbsDiff", v.maxAbsDiff())
                .put("top1Agreement", v.top1Agreement());
    }

    /** The report in {@code dir}; its {@code file} is the variant's model while accepted and present. */
    static Variant read(Path dir) throws IOException {
        JsonNode o = JSON.readTree(dir.resolve(ModelStore.VARIANT_REPORT).toFile());
        if (o == null || !o.isObject()) {
            throw new IOException(dir.resolve(ModelStore.VARIANT_REPORT) + " is not a JSON object");
        }
        Map<String, String> options = new TreeMap<>();
        o.path("options").fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
        Variant.Outcome outcome;
        Instant created;
        try {
            outcome = Variant.Outcome.valueOf(o.path("outcome").asText());
            created = Instant.parse(o.path("created").asText());
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IOException(dir.resolve(ModelStore.VARIANT_REPORT) + ": " + e.getMessage(), e);
        }
        JsonNode m = o.path("metrics");
        Variant.Metrics metrics = m.isObject() ? new Variant.Metrics(m.path("samples").asInt(),
                m.path("inputs").asText(), m.path("cosineMean").asDouble(), m.path("cosineMin").asDouble(),
                m.path("maxAbsDiff").asDouble(), number(m.path("top1Agreement"))) : null;
        JsonNode t = o.path("thresholds");
        Variant.Thresholds thresholds = t.isObject() ? new Variant.Thresholds(t.path("minCosine").asDouble(),
                number(t.path("maxAbsDiff")), t.path("minTop1").asDouble()) : null;
        Path file = dir.resolve(ModelStore.MODEL_FILE);
        return new Variant(o.path("model").asText(), o.path("version").asLong(), o.path("recipe").asText(), options,
                o.path("key").asText(), outcome, text(o.path("reason")), metrics, thresholds,
                text(o.path("source").path("sha256")), o.path("source").path("bytes").asLong(),
                text(o.path("variant").path("sha256")), o.path("variant").path("bytes").asLong(),
                text(o.path("onnxRuntime")), o.path("timings").path("recipeMs").asLong(),
                o.path("timings").path("guardMs").asLong(), created, false,
                outcome == Variant.Outcome.ACCEPTED && Files.isRegularFile(file) ? file : null);
    }

    private static Double number(JsonNode n) {
        return n.isNumber() ? n.asDouble() : null;
    }

    private static String text(JsonNode n) {
        return n.isTextual() ? n.asText() : null;
    }
}
