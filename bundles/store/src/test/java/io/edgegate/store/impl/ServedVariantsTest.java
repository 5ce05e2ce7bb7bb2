package io.edgegate.store.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.OptimizeConfig;
import io.edgegate.testkit.OnnxModelBuilder;
import io.edgegate.testkit.TestTrust;

/**
 * The {@code optimize} section of model.json, and which file a version serves: its verified copy, or the accepted
 * variant beside it that model.json asks for, once {@link FileSystemModelStore#refresh} looks again.
 */
class ServedVariantsTest {
    private static final String RECIPE_JSON = "{\"optimize\": {\"recipe\": \"int8-dynamic\", "
            + "\"options\": {\"perChannel\": false, \"minElements\": 1024}, \"minCosine\": 0.995, \"samples\": 8}}";

    @TempDir
    Path home;
    Path root;
    TestTrust trust;
    FileSystemModelStore store;
    final List<Set<String>> told = new ArrayList<>();

    @BeforeEach
    void trustRoot() {
        root = home.resolve("models");
        trust = TestTrust.create(home);
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private ModelVersion start(String modelJson) throws IOException {
        Path dir = root.resolve("m").resolve("1");
        add(dir.resolve(ModelStore.MODEL_FILE), 1f);
        if (modelJson != null) {
            Files.writeString(dir.resolve(ModelStore.CONFIG_FILE), modelJson);
        }
        trust.signAll(root);
        store = new FileSystemModelStore(root, home.resolve("data/models"), trust.verifier(), 0);
        store.addListener(told::add);
        return store.version("m", 1).orElseThrow();
    }

    private static Path add(Path file, float addend) {
        return new OnnxModelBuilder().input("x", OnnxModelBuilder.FLOAT, -1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4).floatInitializer("c", new long[] {1}, addend)
                .node("Add", List.of("x", "c"), List.of("y")).write(file);
    }

    /** What the optimizer leaves: the variant's model and its report. */
    private Path variant(ModelVersion v, String outcome, boolean matchingSha) throws IOException {
        OptimizeConfig o = v.config().optimize().orElseThrow();
        String key = o.variantKey(v.sha256());
        Path dir = v.sourceFile().getParent().resolve(ModelStore.VARIANTS_FOLDER).resolve(key);
        Path file = add(dir.resolve(ModelStore.MODEL_FILE), 1.001f);
        String sha = matchingSha ? FileSystemModelStore.sha256(file) : "00".repeat(32);
        Files.writeString(dir.resolve(ModelStore.VARIANT_REPORT), "{\"model\": \"m\", \"version\": 1, \"recipe\": \""
                + o.recipe() + "\", \"key\": \"" + key + "\", \"outcome\": \"" + outcome + "\", \"reason\": null, "
                + "\"source\": {\"sha256\": \"" + v.sha256() + "\"}, \"variant\": {\"sha256\": \"" + sha + "\"}}");
        return file;
    }

    @Test
    void theOptimizeSectionIsReadWithItsOptionsAsStringsAndServeByDefault() throws IOException {
        ModelVersion v = start(RECIPE_JSON);
        assertTrue(v.problem().isEmpty(), v.problem().toString());
        OptimizeConfig o = v.config().optimize().orElseThrow();
        assertEquals("int8-dynamic", o.recipe());
        assertEquals(Map.of("perChannel", "false", "minElements", "1024"), o.options());
        assertEquals(Map.of("minCosine", "0.995", "samples", "8"), o.guard());
        assertTrue(o.serve());
        assertEquals(16, o.variantKey(v.sha256()).length());
        assertEquals(o.variantKey(v.sha256()), OptimizeConfig.variantKey("int8-dynamic",
                Map.of("minElements", "1024", "perChannel", "false"), v.sha256()), "options in any order");
        assertFalse(o.variantKey(v.sha256()).equals(OptimizeConfig.variantKey("int8-dynamic", Map.of(), v.sha256())));
        assertEquals(v.sourceFile(), v.modelFile());
        assertTrue(v.variant().isEmpty(), "no variant made yet");
    }

    @Test
    void aBadOptimizeSectionIsTheVersionsProblem() throws IOException {
        for (String bad : List.of("{\"optimize\": {\"recipe\": \"int8-dynamic\", \"serv\": true}}",
                "{\"optimize\": {\"options\": {}}}", "{\"optimize\": {\"recipe\": \"x\", \"minCosine\": 2}}",
                "{\"optimize\": {\"recipe\": \"x\", \"options\": {\"a\": [1]}}}",
                "{\"optimize\": {\"recipe\": \"x\", \"samples\": 2.5}}")) {
            close();
            told.clear();
            deleteTree(home);
            Files.createDirectories(home);
            trust = TestTrust.create(home);
            ModelVersion v = start(bad);
            assertTrue(v.problem().orElse("").contains("optimize"), bad + " -> " + v.problem());
        }
    }

    @Test
    void anAcceptedVariantServesOnceTheStoreIsRefreshedAndOnlyThen() throws IOException {
        ModelVersion v = start(RECIPE_JSON);
        Path file = variant(v, "ACCEPTED", true);
        assertEquals(v.sourceFile(), store.version("m", 1).orElseThrow().modelFile(), "not before a refresh");

        store.refresh("m");
        ModelVersion served = store.version("m", 1).orElseThrow();
        assertEquals(file, served.modelFile());
        assertEquals(v.sourceFile(), served.sourceFile());
        assertEquals(v.sha256(), served.sha256(), "the metadata still names the signed content");
        assertEquals("int8-dynamic", served.variant().orElseThrow().recipe());
        assertEquals(FileSystemModelStore.sha256(file), served.variant().orElseThrow().sha256());
        assertEquals(List.of(Set.of("m")), told, "listeners told, so the inference service swaps");

        // a restart finds it at once
        store.close();
        store = new FileSystemModelStore(root, home.resolve("data/models"), trust.verifier(), 0);
        assertEquals(file, store.version("m", 1).orElseThrow().modelFile());
    }

    @Test
    void aRejectedTamperedOrUnwantedVariantNeverServes() throws IOException {
        ModelVersion v = start(RECIPE_JSON);
        variant(v, "REJECTED", true);
        store.refresh("m");
        assertEquals(v.sourceFile(), store.version("m", 1).orElseThrow().modelFile(), "rejected");

        variant(v, "ACCEPTED", false);
        store.refresh("m");
        assertEquals(v.sourceFile(), store.version("m", 1).orElseThrow().modelFile(), "file changed since");

        Files.writeString(root.resolve("m/1").resolve(ModelStore.CONFIG_FILE), RECIPE_JSON.replace("\"samples\": 8",
                        "\"samples\": 8, \"serve\": false"));
        variant(v, "ACCEPTED", true);
        store.rescan();
        ModelVersion unwanted = store.version("m", 1).orElseThrow();
        assertFalse(unwanted.config().optimize().orElseThrow().serve());
        assertEquals(v.sourceFile(), unwanted.modelFile(), "serve: false");
    }

    @Test
    void removingTheVersionRemovesItsVariants() throws IOException {
        ModelVersion v = start(RECIPE_JSON);
        Path file = variant(v, "ACCEPTED", true);
        deleteTree(root.resolve("m").resolve("1"));
        store.rescan();
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(v.sourceFile().getParent()));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
