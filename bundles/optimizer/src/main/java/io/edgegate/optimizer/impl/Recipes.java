package io.edgegate.optimizer.impl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The standard recipes by id, those that calibrate doing so on generated inputs. */
public final class Recipes {
    private static final Map<String, Recipe> STANDARD = new LinkedHashMap<>();

    static {
        for (Recipe r : new Recipe[] {new OrtGraphRecipe(), new Int8DynamicRecipe(), new Fp16Recipe(),
                new Int8StaticRecipe()}) {
            STANDARD.put(r.id(), r);
        }
    }

    private Recipes() {
    }

    public static Optional<Recipe> byId(String id) {
        return Optional.ofNullable(STANDARD.get(id));
    }

    /** Ids in a stable order: ort-graph, int8-dynamic, fp16, int8-static. */
    public static Iterable<String> ids() {
        return STANDARD.keySet();
    }
}
