package io.edgegate.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The {@code optimize} section of a version's {@code model.json}: which recipe the gateway's optimizer applies to the
 * version once it is installed, with which options, the accuracy guard's thresholds for it, and whether the version
 * then serves the variant (when the guard accepted it).
 *
 * <pre>
 * "optimize": {"recipe": "int8-dynamic", "options": {"perChannel": true}, "serve": true, "minCosine": 0.99}
 * </pre>
 *
 * @param recipe the recipe id ({@code int8-dynamic}, {@code fp16}, {@code int8-static}, {@code ort-graph})
 * @param options the recipe's own options, as strings
 * @param guard the guard's settings given in the section ({@code minCosine}, {@code maxAbsDiff}, {@code minTop1},
 *        {@code samples}), as strings; the optimizer's configuration supplies the rest
 * @param serve whether the version serves the variant once accepted (default true)
 */
public record OptimizeConfig(String recipe, Map<String, String> options, Map<String, String> guard, boolean serve) {

    public OptimizeConfig {
        Objects.requireNonNull(recipe, "recipe");
        options = Map.copyOf(options);
        guard = Map.copyOf(guard);
    }

    /** The key of the variant this section asks for, made from the version's {@code sourceSha256}. */
    public String variantKey(String sourceSha256) {
        return variantKey(recipe, options, sourceSha256);
    }

    /**
     * What identifies a variant: the first 16 hex digits of the SHA-256 of the recipe, its options (sorted by name) and
     * the sha256 of the verified model it is made from. The same recipe with the same options on the same model gives
     * the same key, so a variant is made once and reused; the guard's thresholds are not part of it. A variant lives in
     * {@code <folder of ModelVersion.sourceFile()>/}{@value ModelStore#VARIANTS_FOLDER}{@code /<key>/}.
     */
    public static String variantKey(String recipe, Map<String, String> options, String sourceSha256) {
        StringBuilder text = new StringBuilder(recipe).append('\n');
        new TreeMap<>(options == null ? Map.<String, String>of() : options)
                .forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        text.append(sourceSha256);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
