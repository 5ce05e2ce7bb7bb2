package io.edgegate.optimizer;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Makes optimized variants of installed model versions and judges them. A variant is made from the version's verified
 * copy ({@link io.edgegate.store.ModelVersion#sourceFile()}) by a recipe, then the original and the variant run in
 * ONNX Runtime on the same sample inputs and are compared; a variant whose outputs stray too far is rejected and never
 * serves. Each variant, accepted or not, keeps a report; an accepted one is reused when the same recipe with the same
 * options is asked for again.
 */
@ProviderType
public interface ModelOptimizer {

    /**
     * Options that set the accuracy guard for one request instead of the recipe: {@code minCosine},
     * {@code maxAbsDiff}, {@code minTop1} and {@code samples}. They are not passed to the recipe and are not part of
     * the variant's key.
     */
    Set<String> GUARD_OPTIONS = Set.of("minCosine", "maxAbsDiff", "minTop1", "samples");

    /** The recipe ids, e.g. {@code ort-graph}, {@code int8-dynamic}, {@code fp16}, {@code int8-static}. */
    List<String> recipes();

    /**
     * Makes (or reuses) the variant of a version by a recipe, and judges it. Synchronous: returns when the variant is
     * accepted; one optimization runs at a time.
     *
     * @param options the recipe's options and the guard's ({@link #GUARD_OPTIONS}); may be empty
     * @param progress told how far it got, from 0 to 1, while it runs (on the calling thread); may be {@code null}
     * @return the accepted variant's report
     * @throws OptimizerException when it cannot be made or is rejected; a rejection
     *         ({@link OptimizerException.Reason#REJECTED}) and a recipe failure carry the report
     */
    Variant optimize(String model, long version, String recipe, Map<String, String> options,
            Consumer<ProgressEvent> progress) throws OptimizerException;

    /** The reports of the variants of a version, accepted or not, newest first; empty for an unknown version. */
    List<Variant> variants(String model, long version);
}
