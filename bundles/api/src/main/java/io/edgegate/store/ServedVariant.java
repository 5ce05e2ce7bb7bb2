package io.edgegate.store;

import java.util.Objects;

/**
 * An optimized variant that a version serves instead of its signed model: made on the gateway from the verified copy
 * by the optimizer, accepted by its accuracy guard, and asked for by the version's {@code model.json}
 * ({@link OptimizeConfig#serve()}).
 *
 * @param recipe the recipe that made it
 * @param key its key ({@link OptimizeConfig#variantKey})
 * @param sha256 lower-case hex sha256 of the variant's file, as its report records it and the store checked
 * @param size the variant file's size in bytes
 */
public record ServedVariant(String recipe, String key, String sha256, long size) {
    public ServedVariant {
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(sha256, "sha256");
    }
}
