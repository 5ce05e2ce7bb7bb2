package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.model.Tensor;
import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;

/**
 * Enforcement in the running gateway: a model version dropped into {@code models/} serves only if its signed
 * manifest verifies against the trust root; every refusal shows its reason in the version's status, and the
 * versions that serve keep serving. Models are written unsigned to {@code raw/} outside the framework; the tests
 * sign them (or not, or badly) with the key the test root trusts, then move them into the repository.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TrustIT {
    private static final String[] MODELS = {"fresh", "unsigned", "stranger", "flipped", "swapped", "replay",
        "expired", "elsewhere", "longer"};

    @Inject
    BundleContext context;

    @Inject
    InferenceService inference;

    @Inject
    ModelStore store;

    @Inject
    ArtifactVerifier verifier;

    @Configuration
    public Option[] config() {
        Path home = TestGateway.home("TrustIT");
        for (String m : MODELS) {
            PlusModel.write(home.resolve("raw"), m, 1);
            PlusModel.write(home.resolve("raw"), m, 2);
        }
        return TestGateway.options(home);
    }

    private Path home() {
        return Path.of(context.getProperty("edgegate.home"));
    }

    private byte[] key() throws Exception {
        return Ed25519Keys.privateKeyFromPem(context.getProperty(TestGateway.SIGNING_KEY));
    }

    private Path raw(String model, long version) {
        return home().resolve("raw").resolve(model).resolve(Long.toString(version)).resolve("model.onnx");
    }

    private static Manifest manifest(String name, long version, byte[] content) {
        return new Manifest(ArtifactType.MODEL, name, version, KeyIds.sha256Hex(content), content.length,
                Instant.now().plus(Duration.ofDays(1)), Targets.ANY, false);
    }

    private static void writeManifest(Path model, Manifest m, byte[] key) throws IOException {
        Files.write(model.resolveSibling(ModelStore.MANIFEST_FILE), m.toEnvelope().signedEd25519(key).toJson());
    }

    /** Signs {@code raw/<model>/<version>} properly with the trusted key. */
    private void sign(String model, long version) throws Exception {
        Path file = raw(model, version);
        writeManifest(file, manifest(model, version, Files.readAllBytes(file)), key());
    }

    /** Moves {@code raw/<model>/<version>} into the repository and has the store look at once. */
    private void dropIn(String model, long version) throws IOException {
        Path target = home().resolve("models").resolve(model).resolve(Long.toString(version));
        Files.createDirectories(target.getParent());
        Files.move(raw(model, version).getParent(), target);
        store.rescan();
    }

    private ModelStatus await(String model, long version, ModelStatus.State state) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                ModelStatus s = inference.model(model, version);
                if (s.state() == state) {
                    return s;
                }
            } catch (InferenceException e) {
                // not known yet
            }
            assertTrue(model + "/" + version + " not " + state + " in 30 s: " + inference.models(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
    }

    private void assertRefused(String model, long version, String reason) throws Exception {
        ModelStatus s = await(model, version, ModelStatus.State.FAILED);
        String why = s.reason().orElse("");
        assertTrue(model + "/" + version + ": " + why, why.contains(reason));
        try {
            inference.infer(new InferenceRequest(model, version, null, List.of(input()), List.of()));
            throw new AssertionError(model + "/" + version + " answered although refused");
        } catch (InferenceException e) {
            // refused versions never answer
        }
    }

    private static Tensor input() {
        return Tensor.ofFloats("x", new long[] {1, 4}, new float[] {1, 2, 3, 4});
    }

    private float first(String model, Long version) throws Exception {
        InferenceResponse r = inference.infer(new InferenceRequest(model, version, null, List.of(input()), List.of()));
        return r.output("y").orElseThrow().floats()[0];
    }

    @Test
    public void aProperlySignedVersionIsInstalledAndServed() throws Exception {
        sign("fresh", 1);
        dropIn("fresh", 1);
        await("fresh", 1, ModelStatus.State.READY);
        assertEquals(2f, first("fresh", null), 1e-6);
        // what serves is the verified private copy under data/models, not the repository's file
        Path installed = home().resolve("data/models/fresh/1");
        try (Stream<Path> s = Files.list(installed)) {
            List<Path> copies = s.toList();
            assertEquals(copies.toString(), 1, copies.size());
            assertTrue(Arrays.equals(Files.readAllBytes(home().resolve("models/fresh/1/model.onnx")),
                    Files.readAllBytes(copies.get(0))));
        }
        assertTrue(verifier.enforcing());
    }

    @Test
    public void anUnsignedVersionIsRefused() throws Exception {
        dropIn("unsigned", 1);
        assertRefused("unsigned", 1, "UNSIGNED");
        assertFalse(Files.exists(home().resolve("data/models/unsigned/1")));
    }

    @Test
    public void aVersionSignedByAKeyNotInTheRootIsRefused() throws Exception {
        Path file = raw("stranger", 1);
        byte[] otherKey = Ed25519Keys.generatePrivateKey(new SecureRandom());
        writeManifest(file, manifest("stranger", 1, Files.readAllBytes(file)), otherKey);
        dropIn("stranger", 1);
        assertRefused("stranger", 1, "UNTRUSTED_KEY");
    }

    @Test
    public void aModelWithOneByteFlippedAfterSigningIsRefused() throws Exception {
        sign("flipped", 1);
        Path file = raw("flipped", 1);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(file, bytes);
        dropIn("flipped", 1);
        assertRefused("flipped", 1, "CONTENT_MISMATCH");
    }

    @Test
    public void theManifestOfOneArtifactDoesNotVouchForAnother() throws Exception {
        // a valid manifest of "fresh" version 2, presented beside the model "swapped"
        Path fresh = raw("fresh", 2);
        writeManifest(raw("swapped", 1), manifest("fresh", 1, Files.readAllBytes(fresh)), key());
        dropIn("swapped", 1);
        assertRefused("swapped", 1, "WRONG_ARTIFACT");
        // and a manifest for other bytes under the right name (PlusModel's bytes depend on the version only)
        writeManifest(raw("swapped", 2), manifest("swapped", 2, Files.readAllBytes(raw("fresh", 1))), key());
        dropIn("swapped", 2);
        assertRefused("swapped", 2, "CONTENT_MISMATCH");
    }

    @Test
    public void anOlderVersionIsRefusedOnceANewerOneWasAccepted() throws Exception {
        sign("replay", 2);
        dropIn("replay", 2);
        await("replay", 2, ModelStatus.State.READY);
        sign("replay", 1);
        dropIn("replay", 1);
        // the policy (newest only) would not load version 1 anyway: the store's own verdict is what counts
        String why = store.version("replay", 1).orElseThrow().problem().orElse("");
        assertTrue(why, why.contains("REPLAYED"));
        assertFalse(Files.exists(home().resolve("data/models/replay/1")));
        assertEquals(3f, first("replay", null), 1e-6);
    }

    @Test
    public void anExpiredManifestIsRefused() throws Exception {
        Path file = raw("expired", 1);
        byte[] bytes = Files.readAllBytes(file);
        writeManifest(file, new Manifest(ArtifactType.MODEL, "expired", 1, KeyIds.sha256Hex(bytes), bytes.length,
                Instant.now().minus(Duration.ofMinutes(1)), Targets.ANY, false), key());
        dropIn("expired", 1);
        assertRefused("expired", 1, "EXPIRED");
    }

    @Test
    public void aManifestForAnotherGatewayIsRefused() throws Exception {
        Path file = raw("elsewhere", 1);
        byte[] bytes = Files.readAllBytes(file);
        writeManifest(file, new Manifest(ArtifactType.MODEL, "elsewhere", 1, KeyIds.sha256Hex(bytes), bytes.length,
                Instant.now().plus(Duration.ofDays(1)), new Targets(List.of("gw-somewhere-else"), List.of()),
                false), key());
        dropIn("elsewhere", 1);
        assertRefused("elsewhere", 1, "WRONG_TARGET");
    }

    @Test
    public void contentLongerThanDeclaredIsRefused() throws Exception {
        Path file = raw("longer", 1);
        byte[] bytes = Files.readAllBytes(file);
        byte[] declared = Arrays.copyOf(bytes, bytes.length - 16);
        writeManifest(file, manifest("longer", 1, declared), key());
        dropIn("longer", 1);
        assertRefused("longer", 1, "longer than");
    }
}
