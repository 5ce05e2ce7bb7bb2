package io.edgegate.store.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgegate.store.ModelStore;
import io.edgegate.store.OptimizeConfig;
import io.edgegate.store.ServedVariant;

/**
 * Finds the accepted variant a version's {@code model.json} asks to serve, beside its verified copy:
 * {@code variants/<key>/model.onnx} with a report that says ACCEPTED for exactly this recipe, these options (the
 * key) and this verified content (the source's sha256), and whose recorded sha256 the file still has. Anything else
 * (no variant yet, rejected, made from other content, a file changed since) serves the signed model instead.
 */
final class ServedVariants {
    private static final Logger LOG = LoggerFactory.getLogger(ServedVariants.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The variant's file and what the version reports of it. */
    record Found(Path file, ServedVariant variant) {
    }

    private ServedVariants() {
    }

    /**
     * @param sourceFile the verified copy of the version's model
     * @param sourceSha256 its sha256
     */
    static Optional<Found> find(String name, long version, Path sourceFile, String sourceSha256,
            OptimizeConfig optimize) {
        String key = optimize.variantKey(sourceSha256);
        Path dir = sourceFile.getParent().resolve(ModelStore.VARIANTS_FOLDER).resolve(key);
        Path report = dir.resolve(ModelStore.VARIANT_REPORT);
        Path file = dir.resolve(ModelStore.MODEL_FILE);
        if (!Files.isRegularFile(report)) {
            LOG.debug("Model {} version {}: no {} variant {} yet; serving the signed model", name, version,
                    optimize.recipe(), key);
            return Optional.empty();
        }
        try {
            JsonNode r = JSON.readTree(report.toFile());
            String why = null;
            if (!"ACCEPTED".equals(r.path("outcome").asText())) {
                why = "its report says " + r.path("outcome").asText() + ": " + r.path("reason").asText("");
            } else if (!key.equals(r.path("key").asText()) || !optimize.recipe().equals(r.path("recipe").asText())
                    || !sourceSha256.equals(r.path("source").path("sha256").asText())) {
                why = "its report is for another recipe or content";
            } else if (!Files.isRegularFile(file)) {
                why = "its file is missing";
            } else {
                String sha = FileSystemModelStore.sha256(file);
                if (!sha.equals(r.path("variant").path("sha256").asText())) {
                    why = "its file no longer matches the sha256 its report recorded";
                } else {
                    return Optional.of(new Found(file, new ServedVariant(optimize.recipe(), key, sha,
                            Files.size(file))));
                }
            }
            LOG.info("Model {} version {}: not serving {} variant {}: {}", name, version, optimize.recipe(), key, why);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Model {} version {}: cannot read variant {}: {}; serving the signed model", name, version, key,
                    e.toString());
        }
        return Optional.empty();
    }
}
