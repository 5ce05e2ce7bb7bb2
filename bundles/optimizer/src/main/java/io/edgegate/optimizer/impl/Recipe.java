package io.edgegate.optimizer.impl;

import java.nio.file.Path;
import java.util.Map;

/**
 * One way of turning a model into a variant of it (faster, smaller, or both). A recipe reads {@code source}, never
 * changes it, and writes the variant to {@code target}; whether the variant is still good enough is for the accuracy
 * guard to judge, not for the recipe. Options are plain strings so that they can come from configuration, a
 * deployment manifest or a shell command alike; each recipe refuses the options it does not know.
 */
public interface Recipe {

    /** A stable identifier: {@code ort-graph}, {@code int8-dynamic}, {@code fp16}, {@code int8-static}. */
    String id();

    /**
     * Reads {@code source}, writes the variant to {@code target}; reports progress from 0 to 1 with a short message.
     *
     * @throws RecipeException when the model cannot be read, an option is wrong, the model has nothing this recipe
     *         applies to in a way it supports, or the variant cannot be written; {@code target} is then left absent
     */
    void apply(Path source, Path target, Map<String, String> options, Progress progress) throws RecipeException;
}
