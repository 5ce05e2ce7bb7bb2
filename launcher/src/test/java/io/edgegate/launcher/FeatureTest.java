package io.edgegate.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgegate.launcher.Feature.Artifact;

class FeatureTest {
    private static final String SOURCE = "features/test.json";

    private static Feature read(String json) throws IOException {
        return Feature.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), SOURCE);
    }

    private static IOException refused(String json) {
        IOException e = assertThrows(IOException.class, () -> read(json), "accepted: " + json);
        assertTrue(e.getMessage().contains(SOURCE), "message does not name the file: " + e.getMessage());
        return e;
    }

    @Test
    void readsAFeatureInTheShapeOfTheShippedOnes() throws IOException {
        Feature f = read("""
                {
                  "feature-resource-version": "1.0",
                  "id": "io.edgegate:gateway-inference:0.1.0",
                  "name": "Inference",
                  "description": "ONNX Runtime, the model store and the inference service.",
                  "bundles": [
                    { "id": "com.google.protobuf:protobuf-java:4.36.2" },
                    { "id": "io.edgegate:edgegate-store:0.1.0", "start-order": 2, "hash": {"sha256": "ab"} },
                    { "id": "io.edgegate:edgegate-inference:0.1.0" }
                  ],
                  "configurations": { "io.edgegate.store": { "directory": "models" } },
                  "extensions": [ { "name": "x", "kind": "optional", "text": ["a", "b"] } ]
                }
                """);

        assertEquals("io.edgegate:gateway-inference:0.1.0", f.id());
        assertEquals("Inference", f.name());
        assertEquals(List.of(new Artifact("com.google.protobuf", "protobuf-java", "4.36.2"),
                new Artifact("io.edgegate", "edgegate-store", "0.1.0"),
                new Artifact("io.edgegate", "edgegate-inference", "0.1.0")), f.bundles());
        assertEquals("edgegate-store-0.1.0.jar", f.bundles().get(1).fileName());
        assertEquals("io.edgegate:edgegate-store:0.1.0", f.bundles().get(1).toString());
    }

    @Test
    void bundlesMayBePlainIdStringsAndNameDefaultsToId() throws IOException {
        Feature f = read("{\"bundles\": [\"a:b:1\", {\"id\": \"c:d:2\"}], \"id\": \"x:y:3\"}");

        assertEquals("x:y:3", f.name());
        assertEquals(List.of(new Artifact("a", "b", "1"), new Artifact("c", "d", "2")), f.bundles());
    }

    @Test
    void featureWithoutBundlesHasNone() throws IOException {
        assertEquals(List.of(), read("{\"id\": \"x:y:3\"}").bundles());
    }

    @ParameterizedTest
    @ValueSource(strings = {"org.example:only-two", "a::1", ":b:1", "a:b:", "a:b:c:d", "", "a:b: "})
    void malformedBundleIdIsRefusedNamingIt(String id) {
        IOException e = refused("{\"id\": \"x:y:1\", \"bundles\": [{\"id\": \"" + id + "\"}]}");

        assertTrue(e.getMessage().contains("'" + id + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("groupId:artifactId:version"), e.getMessage());
    }

    @Test
    void malformedPlainStringBundleIdIsRefused() {
        assertTrue(refused("{\"id\": \"x:y:1\", \"bundles\": [\"just-a-name\"]}").getMessage()
                .contains("'just-a-name'"));
    }

    @Test
    void featureWithoutIdIsRefused() {
        IOException e = refused("{\"name\": \"No id\", \"bundles\": [{\"id\": \"a:b:1\"}]}");

        assertTrue(e.getMessage().contains("\"id\""), e.getMessage());
    }

    @Test
    void bundleEntryWithoutIdIsRefused() {
        IOException e = refused("{\"id\": \"x:y:1\", \"bundles\": [{\"start-order\": 1}]}");

        assertTrue(e.getMessage().contains("\"id\""), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"id\": \"x:y:1\", \"bundles\": {\"id\": \"a:b:1\"}}",
        "{\"id\": \"x:y:1\", \"bundles\": \"a:b:1\"}",
        "{\"id\": \"x:y:1\", \"bundles\": [42]}",
        "{\"id\": \"x:y:1\", \"bundles\": [[\"a:b:1\"]]}",
        "[]",
        "\"x:y:1\""})
    void wrongShapesAreRefused(String json) {
        refused(json);
    }

    @Test
    void emptyFileIsRefused() {
        refused("");
    }

    /** Feature.read documents that {@code source} names the file in error messages; a syntax error is one. */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"id\": \"x:y:1\", \"bundles\": [{\"id\": \"a:b:1\"}",
        "{\"id\": \"x:y:1\", \"bundles\": [{\"id\": \"a:b:1\"},]}",
        "{\"id\": x:y:1}"})
    void malformedJsonIsRefusedNamingTheFile(String json) {
        refused(json);
    }

    /**
     * A member of an unexpected type must not swallow the members after it. Today a "name" given as an
     * object ends the top-level loop at the object's closing brace, so the bundles that follow are silently
     * dropped and the gateway would start without them.
     */
    @Test
    void nonStringNameDoesNotSwallowTheBundles() throws IOException {
        String json = "{\"id\": \"x:y:1\", \"name\": {\"en\": \"Inference\"}, \"bundles\": [{\"id\": \"a:b:1\"}]}";
        Feature f;
        try {
            f = read(json);
        } catch (IOException e) {
            assertTrue(e.getMessage().contains("name"), e.getMessage());
            return;
        }
        assertEquals(List.of(new Artifact("a", "b", "1")), f.bundles(), "bundles after \"name\" were lost");
    }

    @Test
    void everyShippedFeatureFileParses(@TempDir Path tmp) throws IOException {
        Path dir = Path.of("..", "features").toAbsolutePath().normalize();
        List<Feature> features = Gateway.features(dir);

        assertFalse(features.isEmpty());
        for (Feature f : features) {
            assertFalse(f.bundles().isEmpty(), f.id() + " lists no bundles");
            assertTrue(f.id().startsWith("io.edgegate:"), f.id());
        }
        assertTrue(features.stream().flatMap(f -> f.bundles().stream())
                .anyMatch(a -> a.artifactId().equals("edgegate-inference")), "no feature installs inference");

        // And a folder with no feature files is an error that names it.
        IOException e = assertThrows(IOException.class, () -> Gateway.features(tmp));
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
    }
}
