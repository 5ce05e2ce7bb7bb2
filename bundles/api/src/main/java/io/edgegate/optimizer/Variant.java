package io.edgegate.optimizer;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The report of one variant of a model version: its lineage (the verified source it was made from, the recipe and
 * options, the ONNX Runtime version), the guard's verdict and measurements, sizes and timings. Kept as
 * {@code report.json} beside the variant ({@link io.edgegate.store.ModelStore#VARIANTS_FOLDER}).
 *
 * @param model the model's name
 * @param version the version it was made from
 * @param recipe the recipe id
 * @param options the recipe's options (without the guard's)
 * @param key identifies the variant: {@link io.edgegate.store.OptimizeConfig#variantKey}
 * @param outcome accepted, rejected by the guard, or failed (the recipe or ONNX Runtime could not make or run it)
 * @param reason why it was rejected or failed, naming the metric and the threshold; {@code null} when accepted
 * @param metrics what the guard measured; {@code null} when it did not get that far
 * @param thresholds what the guard required
 * @param sourceSha256 sha256 of the verified model it was made from (the signed {@code model.onnx})
 * @param sourceBytes its size
 * @param variantSha256 sha256 of the variant's file; {@code null} if none was made
 * @param variantBytes its size; 0 if none was made
 * @param onnxRuntime the ONNX Runtime version that made and judged it
 * @param recipeMillis how long the recipe ran
 * @param guardMillis how long the guard ran
 * @param created when the report was written
 * @param served whether the version serves this variant now (the store's view)
 * @param file the variant's model file while it is accepted; {@code null} once rejected (the file is deleted)
 */
public record Variant(String model, long version, String recipe, Map<String, String> options, String key,
        Outcome outcome, String reason, Metrics metrics, Thresholds thresholds, String sourceSha256,
        long sourceBytes, String variantSha256, long variantBytes, String onnxRuntime, long recipeMillis,
        long guardMillis, Instant created, boolean served, Path file) {

    /** The guard's verdict. */
    public enum Outcome {
        /** Within every threshold: may serve. */
        ACCEPTED,
        /** Loads, but strays too far from the original: never serves. */
        REJECTED,
        /** Could not be made, loaded or run. */
        FAILED
    }

    /**
     * What the guard measured over every output of every sample. Outputs of rank 2 or more are compared row by row
     * (a row is the last dimension: a token's embedding, a sample's class scores); others as one vector.
     *
     * @param samples how many inputs were run
     * @param inputs where they came from: {@code "generated"} or {@code "samples/"} (shipped beside the model)
     * @param cosineMean the mean cosine similarity of the variant's rows to the original's
     * @param cosineMin the lowest one
     * @param maxAbsDiff the largest absolute difference of any element
     * @param top1Agreement the share of rows of rank-2 outputs (class scores) whose arg-max agrees; {@code null} when
     *        no output has rank 2
     */
    public record Metrics(int samples, String inputs, double cosineMean, double cosineMin, double maxAbsDiff,
            Double top1Agreement) {
    }

    /**
     * What the guard required.
     *
     * @param minCosine the lowest mean cosine similarity accepted
     * @param maxAbsDiff the largest absolute difference accepted; {@code null}: not checked
     * @param minTop1 the lowest top-1 agreement accepted (where it applies)
     */
    public record Thresholds(double minCosine, Double maxAbsDiff, double minTop1) {
    }

    public Variant {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(recipe, "recipe");
        options = Map.copyOf(options);
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
    }

    public boolean accepted() {
        return outcome == Outcome.ACCEPTED;
    }

    /** The variant's file, while it is accepted and present. */
    public Optional<Path> modelFile() {
        return Optional.ofNullable(file);
    }

    /** The same report with {@code served} set. */
    public Variant withServed(boolean isServed) {
        return new Variant(model, version, recipe, options, key, outcome, reason, metrics, thresholds, sourceSha256,
                sourceBytes, variantSha256, variantBytes, onnxRuntime, recipeMillis, guardMillis, created, isServed,
                file);
    }
}
