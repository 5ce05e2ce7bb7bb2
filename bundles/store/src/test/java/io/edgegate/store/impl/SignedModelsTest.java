package io.edgegate.store.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.testkit.OnnxModelBuilder;
import io.edgegate.testkit.TestTrust;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.impl.BouncyCastleArtifactVerifier;

/** The store lists a version as servable only once its signed manifest verifies, and serves its private copy. */
class SignedModelsTest {
    @TempDir
    Path home;
    Path root;
    TestTrust trust;

    @BeforeEach
    void trustRoot() {
        root = home.resolve("models");
        trust = TestTrust.create(home);
    }

    private FileSystemModelStore store() throws IOException {
        return store(trust.verifier());
    }

    private FileSystemModelStore store(BouncyCastleArtifactVerifier verifier) throws IOException {
        return new FileSystemModelStore(root, home.resolve("data/models"), verifier, 0);
    }

    /** y = x + addend: every version's bytes differ. */
    private Path model(String name, long version) {
        return new OnnxModelBuilder().input("x", OnnxModelBuilder.FLOAT, -1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4)
                .floatInitializer("c", new long[] {1}, version).node("Add", List.of("x", "c"), List.of("y"))
                .write(root.resolve(name).resolve(Long.toString(version)).resolve(ModelStore.MODEL_FILE));
    }

    private Path signed(String name, long version) {
        Path file = model(name, version);
        trust.signModel(file, name, version);
        return file;
    }

    private static String problem(FileSystemModelStore store, String name, long version) {
        ModelVersion v = store.version(name, version).orElseThrow();
        assertTrue(v.problem().isPresent(), v + " was accepted");
        return v.problem().get();
    }

    private static void servable(FileSystemModelStore store, String name, long version) {
        ModelVersion v = store.version(name, version).orElseThrow();
        assertTrue(v.problem().isEmpty(), v + ": " + v.problem());
    }

    @Test
    void anUnsignedVersionIsListedWithItsReasonAndOthersServe() throws IOException {
        model("unsigned", 1);
        signed("good", 1);

        FileSystemModelStore store = store();

        String problem = problem(store, "unsigned", 1);
        assertTrue(problem.contains("UNSIGNED") && problem.contains(ModelStore.MANIFEST_FILE), problem);
        servable(store, "good", 1);
        assertFalse(Files.exists(home.resolve("data/models/unsigned")), "nothing installed for it");
    }

    @Test
    void aManifestSignedByAnotherKeyIsRefused() throws IOException {
        Path file = model("m", 1);
        TestTrust stranger = TestTrust.create(home.resolve("elsewhere"));
        Files.write(file.resolveSibling(ModelStore.MANIFEST_FILE),
                stranger.manifest(ArtifactType.MODEL, "m", 1, Files.readAllBytes(file)));

        String problem = problem(store(), "m", 1);

        assertTrue(problem.contains("UNTRUSTED_KEY"), problem);
    }

    @Test
    void theManifestOfOneModelDoesNotVouchForAnother() throws IOException {
        Path a = signed("a", 1);
        Path b = model("b", 1);
        // A's manifest beside B's model, renamed: the name is wrong
        Files.copy(a.resolveSibling(ModelStore.MANIFEST_FILE), b.resolveSibling(ModelStore.MANIFEST_FILE));
        // and A's manifest beside other bytes under A's own name: the content is wrong
        Path a2 = model("a", 2);
        Files.write(a2.resolveSibling(ModelStore.MANIFEST_FILE),
                trust.manifest(ArtifactType.MODEL, "a", 2, Files.readAllBytes(a)));

        FileSystemModelStore store = store();

        assertTrue(problem(store, "b", 1).contains("WRONG_ARTIFACT"), problem(store, "b", 1));
        assertTrue(problem(store, "a", 2).contains("CONTENT_MISMATCH"), problem(store, "a", 2));
        servable(store, "a", 1);
    }

    @Test
    void aManifestForAnotherVersionNumberIsRefused() throws IOException {
        Path file = model("m", 2);
        Files.write(file.resolveSibling(ModelStore.MANIFEST_FILE),
                trust.manifest(ArtifactType.MODEL, "m", 3, Files.readAllBytes(file)));

        String problem = problem(store(), "m", 2);

        assertTrue(problem.contains("signs version 3") && problem.contains("folder 2"), problem);
        FileSystemModelStore again = store();
        assertTrue(problem(again, "m", 2).contains("folder 2"), "nothing was recorded: still refused the same way");
    }

    @Test
    void anOlderVersionIsRefusedAfterARestartWhileInstalledOnesKeepServing() throws IOException {
        signed("m", 2);
        FileSystemModelStore first = store();
        servable(first, "m", 2);
        first.close();

        signed("m", 1);
        // a new store and verifier read everything from disk again: a gateway restart
        FileSystemModelStore restarted = store();

        String problem = problem(restarted, "m", 1);
        assertTrue(problem.contains("REPLAYED"), problem);
        servable(restarted, "m", 2);
    }

    @Test
    void whatIsLoadedIsThePrivateCopyNotTheRepositoryFile() throws IOException {
        Path file = signed("m", 1);
        byte[] verified = Files.readAllBytes(file);
        FileSystemModelStore store = store();
        Path loaded = store.version("m", 1).orElseThrow().modelFile();
        assertTrue(loaded.startsWith(home.resolve("data/models")), loaded.toString());

        // the repository file is swapped after the check: the copy that is loaded does not change
        Files.write(file, new byte[] {1, 2, 3});
        assertArrayEquals(verified, Files.readAllBytes(loaded));
        // and once the store looks again, the changed content is refused: a signed version is never replaced
        store.rescan();
        assertTrue(problem(store, "m", 1).contains("changed since it was installed"), problem(store, "m", 1));
    }

    @Test
    void aManifestThatArrivesAfterTheModelMakesItServable() throws IOException {
        Path file = model("m", 1);
        FileSystemModelStore store = store();
        assertTrue(problem(store, "m", 1).contains("UNSIGNED"));

        trust.signModel(file, "m", 1);
        store.rescan();

        servable(store, "m", 1);
    }

    @Test
    void aRemovedVersionTakesItsInstalledCopyWithIt() throws IOException {
        signed("m", 1);
        Path file = signed("m", 2);
        FileSystemModelStore store = store();
        Path installed = store.version("m", 2).orElseThrow().modelFile();
        assertTrue(Files.exists(installed));

        Files.delete(file.resolveSibling(ModelStore.MANIFEST_FILE));
        Files.delete(file);
        Files.delete(file.getParent());
        store.rescan();

        assertFalse(Files.exists(installed.getParent()), "the installed copy of version 2 is gone");
        servable(store, "m", 1);
    }

    @Test
    void developmentModeServesUnsignedVersionsButNeverRaisesTheReplayFloor() throws IOException,
            VerificationException {
        model("m", 5);
        BouncyCastleArtifactVerifier dev = new BouncyCastleArtifactVerifier(trust.rootFile(),
                trust.stateDirectory(), TestTrust.GATEWAY_ID, "any", false);

        servable(store(dev), "m", 5);

        // back in production, a properly signed older version still installs: 5 was never accepted
        signed("m", 1);
        FileSystemModelStore enforcing = store();
        servable(enforcing, "m", 1);
        assertTrue(problem(enforcing, "m", 5).contains("UNSIGNED"));
    }
}
