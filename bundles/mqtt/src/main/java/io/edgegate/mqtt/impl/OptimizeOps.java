package io.edgegate.mqtt.impl;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.optimizer.ModelOptimizer;
import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.Variant;

/**
 * {@code models/optimize}: makes (or reuses) an optimized variant of an installed version and judges it with the
 * accuracy guard. While it runs, interim replies (202, {@code {"progress": 0.4, "message": "..."}}) go to the response
 * topic with the request's correlation data, at most one per 5 % and one per half second; the final reply is the
 * variant's report (200), or the refusal with the report when one was written.
 */
final class OptimizeOps {
    static final String OPERATION = "models/optimize";
    private static final Logger LOG = LoggerFactory.getLogger(OptimizeOps.class);
    private static final Pattern RECIPE = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final long INTERIM_NANOS = 500_000_000L;

    private final Services services;

    OptimizeOps(Services services) {
        this.services = services;
    }

    Reply optimize(Request r, Consumer<Reply> interim) throws OpException {
        Body b = Body.parse(OPERATION, r.payload(), "name", "version", "recipe", "options");
        String name = b.name("name", Body.MODEL_NAME);
        long version = b.version("version");
        String recipe = b.text("recipe");
        if (recipe == null || !RECIPE.matcher(recipe).matches()) {
            throw b.bad("'recipe' must name a recipe, such as \"int8-dynamic\"");
        }
        Map<String, String> options = new LinkedHashMap<>();
        if (b.has("options")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = b.object("options").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw b.bad("option '" + Body.abbreviate(e.getKey()) + "' must be a string, a number or "
                            + "true/false");
                }
                options.put(e.getKey(), e.getValue().asText());
            }
        }
        ModelOptimizer optimizer = services.optimizer();
        long[] last = {0, -5}; // the first report goes out at once
        try {
            Variant v = optimizer.optimize(name, version, recipe, options, p -> {
                long now = System.nanoTime();
                long percent = Math.round(p.fraction() * 100);
                if (percent >= last[1] + 5 && (now - last[0] >= INTERIM_NANOS || percent == 100)) {
                    last[0] = now;
                    last[1] = percent;
                    ObjectNode progress = Body.JSON.createObjectNode().put("progress", percent / 100.0)
                            .put("message", p.message());
                    interim.accept(Reply.of(202, progress));
                }
            });
            LOG.info("MQTT {}: model {} version {}: {} variant {} accepted", OPERATION, name, version, recipe,
                    v.key());
            return Reply.ok(json(v));
        } catch (OptimizerException e) {
            int status = switch (e.reason()) {
                case UNKNOWN_MODEL -> 404;
                case UNKNOWN_RECIPE, BAD_OPTIONS -> 400;
                case NOT_INSTALLED, RECIPE_FAILED, REJECTED -> 409;
                case BUSY -> 503;
                case IO -> 500;
            };
            throw new OpException(status, OPERATION + ": " + e.reason() + ": " + e.getMessage(),
                    e.variant().map(OptimizeOps::json).orElse(null));
        }
    }

    /** A variant's report as JSON (the same fields as its report.json). */
    static ObjectNode json(Variant v) {
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("model", v.model()).put("version", v.version()).put("recipe", v.recipe());
        o.set("options", Body.JSON.valueToTree(new TreeMap<>(v.options())));
        o.put("key", v.key()).put("outcome", v.outcome().name()).put("accepted", v.accepted())
                .put("reason", v.reason()).put("served", v.served());
        if (v.metrics() != null) {
            o.putObject("metrics").put("samples", v.metrics().samples()).put("inputs", v.metrics().inputs())
                    .put("cosineMean", v.metrics().cosineMean()).put("cosineMin", v.metrics().cosineMin())
                    .put("maxAbsDiff", v.metrics().maxAbsDiff()).put("top1Agreement", v.metrics().top1Agreement());
        }
        if (v.thresholds() != null) {
            o.putObject("thresholds").put("minCosine", v.thresholds().minCosine())
                    .put("maxAbsDiff", v.thresholds().maxAbsDiff()).put("minTop1", v.thresholds().minTop1());
        }
        o.putObject("source").put("sha256", v.sourceSha256()).put("bytes", v.sourceBytes());
        o.putObject("variant").put("sha256", v.variantSha256()).put("bytes", v.variantBytes());
        o.put("onnxRuntime", v.onnxRuntime());
        o.putObject("timings").put("recipeMs", v.recipeMillis()).put("guardMs", v.guardMillis());
        o.put("created", v.created().toString());
        return o;
    }
}
