package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.RootKey;
import io.edgegate.trust.format.Targets;
import io.edgegate.trust.format.TrustRootPayload;

/**
 * The trust root rotates in the running gateway: root 2 is accepted only as exactly the next version and signed by
 * the old root's key and the new one's; afterwards models signed by the new key install and models signed by the
 * retired key do not.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RootRotationIT {
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
        Path home = TestGateway.home("RootRotationIT");
        PlusModel.write(home.resolve("raw"), "new-key", 1);
        PlusModel.write(home.resolve("raw"), "old-key", 1);
        return TestGateway.options(home);
    }

    private static byte[] root(long version, byte[] key, byte[]... signers) {
        byte[] pub = Ed25519Keys.publicKey(key);
        TrustRootPayload p = new TrustRootPayload(version, 1, List.of(new RootKey(KeyIds.ofEd25519(pub), pub)),
                List.of(), Instant.now().plus(Duration.ofDays(365)));
        var e = p.toEnvelope();
        for (byte[] s : signers) {
            e = e.signedEd25519(s);
        }
        return e.toJson();
    }

    private void refused(byte[] root, String why) {
        try {
            verifier.rotateRoot(new ByteArrayInputStream(root));
            throw new AssertionError("accepted: " + why);
        } catch (VerificationException e) {
            assertEquals(e.getMessage(), VerificationException.Reason.BAD_ROOT_ROTATION, e.reason());
            assertTrue(e.getMessage(), e.getMessage().contains(why));
        }
        assertEquals(1, verifier.rootVersion());
    }

    private void signAndDropIn(String model, byte[] key) throws Exception {
        Path home = Path.of(context.getProperty("edgegate.home"));
        Path raw = home.resolve("raw").resolve(model).resolve("1");
        byte[] bytes = Files.readAllBytes(raw.resolve(ModelStore.MODEL_FILE));
        Manifest m = new Manifest(ArtifactType.MODEL, model, 1, KeyIds.sha256Hex(bytes), bytes.length,
                Instant.now().plus(Duration.ofDays(1)), Targets.ANY, false);
        Files.write(raw.resolve(ModelStore.MANIFEST_FILE), m.toEnvelope().signedEd25519(key).toJson());
        Path target = home.resolve("models").resolve(model);
        Files.createDirectories(target);
        Files.move(raw, target.resolve("1"));
        store.rescan();
    }

    private ModelStatus await(String model, ModelStatus.State state) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                ModelStatus s = inference.model(model, 1L);
                if (s.state() == state) {
                    return s;
                }
            } catch (InferenceException e) {
                // not known yet
            }
            assertTrue(model + " not " + state + " in 30 s", System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
    }

    @Test
    public void aProperlyRotatedRootIsAcceptedAndItsKeysSignFromThenOn() throws Exception {
        byte[] oldKey = Ed25519Keys.privateKeyFromPem(context.getProperty(TestGateway.SIGNING_KEY));
        byte[] newKey = Ed25519Keys.generatePrivateKey(new SecureRandom());
        assertEquals(1, verifier.rootVersion());

        refused(root(3, newKey, oldKey, newKey), "does not follow version 1");
        refused(root(2, newKey, newKey), "root 1");
        refused(root(2, newKey, oldKey), "own keys");

        assertEquals(2, verifier.rotateRoot(new ByteArrayInputStream(root(2, newKey, oldKey, newKey))));
        assertEquals(2, verifier.rootVersion());
        Path config = Path.of(context.getProperty("edgegate.home"), "config");
        assertEquals("config/trust-root.json is root 2 now", 2, TrustRootPayload.parse(
                Envelope.parse(Files.readAllBytes(config.resolve("trust-root.json"))).payload()).version());
        assertTrue("root 1 kept beside it", Files.exists(config.resolve("trust-root.1.json")));

        signAndDropIn("new-key", newKey);
        await("new-key", ModelStatus.State.READY);
        signAndDropIn("old-key", oldKey);
        String why = await("old-key", ModelStatus.State.FAILED).reason().orElse("");
        assertTrue(why, why.contains("UNTRUSTED_KEY"));
    }
}
