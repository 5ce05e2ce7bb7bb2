package io.edgegate.store.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.store.ModelConfig;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.VersionPolicy;
import io.edgegate.testkit.OnnxModelBuilder;
import io.edgegate.testkit.TestTrust;

/** The store notices versions that appear, change or go, and reads version policies. */
class ModelWatchTest {
    @TempDir
    Path home;
    Path root;
    TestTrust trust;

    @BeforeEach
    void trustRoot() {
        root = home.resolve("models");
        trust = TestTrust.create(home);
    }

    private FileSystemModelStore store(long scanIntervalMs) throws IOException {
        return new FileSystemModelStore(root, home.resolve("data/models"), trust.verifier(), scanIntervalMs);
    }

    /** A signed model y = x + version. */
    private void plus(String name, long version) {
        Path file = root.resolve(name).resolve(Long.toString(version)).resolve("model.onnx");
        new OnnxModelBuilder().input("x", OnnxModelBuilder.FLOAT, -1, 4).output("y", OnnxModelBuilder.FLOAT, -1, 4)
                .floatInitializer("c", new long[] {1}, version).node("Add", List.of("x", "c"), List.of("y"))
                .write(file);
        trust.signModel(file, name, version);
    }

    private List<Long> versions(FileSystemModelStore store, String name) {
        return store.versions(name).stream().map(ModelVersion::version).toList();
    }

    @Test
    void aDroppedInVersionIsTakenOnceItsFilesStopChanging() throws IOException {
        plus("m", 1);
        RepositoryScanner scanner = new RepositoryScanner(root, new RepositoryScanner.Versions() {
            @Override
            public ModelVersion read(String name, long version, Path dir) {
                return new ModelVersion(name, version, dir.resolve("model.onnx"), null, 0, ModelConfig.empty(), null);
            }

            @Override
            public void removed(String name, long version) {
            }
        });
        assertEquals(1, scanner.scan(true).versions().size());
        plus("m", 2);

        RepositoryScanner.Result first = scanner.scan(false);
        assertEquals(List.of(1L), first.versions().stream().map(ModelVersion::version).toList(),
                "a version seen once may still be being copied");
        assertTrue(first.changed().isEmpty());

        RepositoryScanner.Result second = scanner.scan(false);
        assertEquals(List.of(1L, 2L), second.versions().stream().map(ModelVersion::version).toList());
        assertEquals(Set.of("m"), second.changed());
        assertTrue(scanner.scan(false).changed().isEmpty(), "nothing changed since");
    }

    @Test
    void listenersHearOfNewChangedAndRemovedVersions() throws Exception {
        plus("m", 1);
        FileSystemModelStore store = store(0);
        List<Set<String>> heard = new ArrayList<>();
        store.addListener(heard::add);

        plus("m", 2);
        store.rescan();
        assertEquals(List.of(Set.of("m")), heard);
        assertEquals(List.of(1L, 2L), versions(store, "m"));
        String before = store.version("m", 2).orElseThrow().sha256();

        Files.write(root.resolve("m/2/model.onnx"), new byte[] {1, 2, 3});
        store.rescan();
        assertEquals(2, heard.size());
        ModelVersion changed = store.version("m", 2).orElseThrow();
        assertTrue(changed.problem().orElseThrow().contains("changed since it was installed"),
                changed.problem().get());
        assertTrue(!before.equals(changed.sha256()));

        Files.delete(root.resolve("m/2/model.onnx"));
        Files.delete(root.resolve("m/2/model.onnx.manifest.json"));
        Files.delete(root.resolve("m/2"));
        store.rescan();
        assertEquals(3, heard.size());
        assertEquals(List.of(1L), versions(store, "m"));
        store.close();
    }

    @Test
    void thePeriodicScanFindsNewVersionsByItself() throws Exception {
        plus("m", 1);
        FileSystemModelStore store = store(20);
        try {
            plus("m", 2);
            long deadline = System.currentTimeMillis() + 5000;
            while (versions(store, "m").size() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of(1L, 2L), versions(store, "m"));
        } finally {
            store.close();
        }
    }

    @Test
    void versionPoliciesComeFromTheModelFolder() throws Exception {
        plus("a", 1);
        plus("b", 1);
        plus("c", 1);
        plus("d", 1);
        plus("e", 1);
        Files.writeString(root.resolve("a/model.json"), "{\"version_policy\": {\"latest\": {\"num_versions\": 2}}}");
        Files.writeString(root.resolve("b/model.json"), "{\"version_policy\": {\"specific\": {\"versions\": [1, 3]}}}");
        Files.writeString(root.resolve("c/model.json"), "{\"version_policy\": {\"all\": {}}}");
        Files.writeString(root.resolve("d/model.json"), "{\"version_policy\": {\"newest\": {}}}");
        FileSystemModelStore store = store(0);

        assertEquals(VersionPolicy.latest(2), store.policy("a"));
        assertEquals(VersionPolicy.specific(Set.of(1L, 3L)), store.policy("b"));
        assertEquals(VersionPolicy.all(), store.policy("c"));
        assertEquals(VersionPolicy.defaultPolicy(), store.policy("d"), "a bad policy falls back to the default");
        assertEquals(VersionPolicy.defaultPolicy(), store.policy("e"));

        Files.writeString(root.resolve("e/model.json"), "{\"version_policy\": {\"all\": {}}}");
        List<Set<String>> heard = new ArrayList<>();
        store.addListener(heard::add);
        store.rescan();
        assertEquals(VersionPolicy.all(), store.policy("e"));
        assertEquals(List.of(Set.of("e")), heard);
    }

    @Test
    void policiesSelectWhatServes() {
        assertEquals(List.of(3L), VersionPolicy.latest(1).serving(List.of(1L, 3L, 2L)));
        assertEquals(List.of(2L, 3L), VersionPolicy.latest(2).serving(List.of(1L, 3L, 2L)));
        assertEquals(List.of(1L, 3L), VersionPolicy.specific(Set.of(1L, 3L)).serving(List.of(1L, 2L, 3L)));
        assertEquals(List.of(1L, 2L, 3L), VersionPolicy.all().serving(List.of(3L, 1L, 2L)));
    }
}
