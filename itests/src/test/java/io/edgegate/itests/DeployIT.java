package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

import io.edgegate.deploy.BundleDeployer;
import io.edgegate.deploy.DeployException;
import io.edgegate.deploy.DeployedBundle;
import io.edgegate.testkit.TestTrust;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.RootKey;
import io.edgegate.trust.format.Targets;
import io.edgegate.trust.format.TrustRootPayload;

/**
 * Verify-then-install of bundles in the running gateway. The bundle jars and their manifests are written in
 * {@code jars/} of the gateway home before the framework starts (signed with the key the test's root trusts, or
 * not, or tampered with afterwards); each test deploys its own bundles, so the tests do not depend on each other.
 * Every refusal must leave every installed bundle as it was.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployIT {
    static final String PREFIX = "it.deploy.";

    @Inject
    BundleContext context;

    @Inject
    BundleDeployer deployer;

    @Inject
    ArtifactVerifier verifier;

    @Inject
    CommandProcessor processor;

    @Configuration
    public Option[] config() {
        Path home = TestGateway.home("DeployIT");
        Jars.write(home);
        return TestGateway.options(home);
    }

    /**
     * The jars and manifests, written outside the framework: a class of its own, because the probe inside cannot
     * load the test kit that signs them.
     */
    static final class Jars {
        private Jars() {
        }

        static void write(Path home) {
            TestTrust trust = TestGateway.trust(home);
            Path jars = home.resolve("jars");
            signed(trust, jars, "fresh", "fresh", 1, bundle("fresh", "1.0.0"));
            signed(trust, jars, "update-1", "update", 1, bundle("update", "1.0.0"));
            signed(trust, jars, "update-2", "update", 2, bundle("update", "2.0.0"));
            signed(trust, jars, "replay-1", "replay", 1, bundle("replay", "1.0.0"));
            signed(trust, jars, "replay-2", "replay", 2, bundle("replay", "2.0.0"));

            signed(trust, jars, "tamper-1", "tamper", 1, bundle("tamper", "1.0.0"));
            byte[] tamper2 = bundle("tamper", "2.0.0");
            signed(trust, jars, "tamper-2", "tamper", 2, tamper2);
            write(jars.resolve("tamper-2.jar"), withEntryAdded(tamper2, "added-after-signing.txt", "surprise"));

            byte[] unsigned = bundle("unsigned", "1.0.0");
            write(jars.resolve("unsigned.jar"), unsigned);
            write(jars.resolve("unsigned.jar.manifest.json"), new io.edgegate.trust.format.Manifest(
                    ArtifactType.BUNDLE, PREFIX + "unsigned", 1, KeyIds.sha256Hex(unsigned), unsigned.length,
                    Instant.now().plus(Duration.ofDays(1)), Targets.ANY, false).toEnvelope().toJson());
            write(jars.resolve("empty.manifest.json"), new byte[0]);

            // a jar of one bundle, signed as another
            signed(trust, jars, "impostor", "named", 1, bundle("impostor", "1.0.0"));
            // properly signed, but never replaceable at run time
            for (String name : List.of("io.edgegate.onnxruntime", "io.edgegate.trust", "io.edgegate.api",
                    "org.apache.felix.scr", "bcprov")) {
                byte[] jar = bundleNamed(name, "99.0.0", Map.of());
                write(jars.resolve(name + ".jar"), jar);
                write(jars.resolve(name + ".jar.manifest.json"), trust.manifest(ArtifactType.BUNDLE, name, 1, jar));
            }

            signed(trust, jars, "broken-1", "broken", 1, bundle("broken", "1.0.0"));
            signed(trust, jars, "broken-2", "broken", 2, bundleNamed(PREFIX + "broken", "2.0.0",
                    Map.of("Bundle-Activator", "it.deploy.NoSuchActivator")));
            signed(trust, jars, "brokennew-1", "brokennew", 1, bundleNamed(PREFIX + "brokennew", "1.0.0",
                    Map.of("Bundle-Activator", "it.deploy.NoSuchActivator")));

            signed(trust, jars, "shell", "shell", 1, bundle("shell", "1.0.0"));
            byte[] shellBad = bundle("shellbad", "1.0.0");
            signed(trust, jars, "shellbad", "shellbad", 1, shellBad);
            write(jars.resolve("shellbad.jar"), withEntryAdded(shellBad, "added-after-signing.txt", "surprise"));

            try {
                byte[] key = Ed25519Keys.privateKeyFromPem(trust.privateKeyPem());
                write(jars.resolve("root-2.json"), root(2, key));
                write(jars.resolve("root-5.json"), root(5, key));
            } catch (VerificationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A minimal bundle {@code it.deploy.<name>} with one resource saying its version. */
        static byte[] bundle(String name, String version) {
            return bundleNamed(PREFIX + name, version, Map.of());
        }

        static byte[] bundleNamed(String symbolicName, String version, Map<String, String> headers) {
            Manifest m = new Manifest();
            Attributes a = m.getMainAttributes();
            a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", symbolicName);
            a.putValue("Bundle-Version", version);
            headers.forEach(a::putValue);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream jar = new JarOutputStream(bytes, m)) {
                jar.putNextEntry(new ZipEntry("it/deploy/version.txt"));
                jar.write(version.getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        /** The jar with one more entry at the end, as if someone added it after signing. */
        static byte[] withEntryAdded(byte[] jar, String path, String content) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (var in = new java.util.jar.JarInputStream(new ByteArrayInputStream(jar));
                    JarOutputStream out = new JarOutputStream(bytes, in.getManifest())) {
                for (var e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
                out.putNextEntry(new ZipEntry(path));
                out.write(content.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        /** Writes {@code <file>.jar} and {@code <file>.jar.manifest.json}, signed as {@code it.deploy.<name>}. */
        static void signed(TestTrust trust, Path dir, String file, String name, long version, byte[] jar) {
            write(dir.resolve(file + ".jar"), jar);
            write(dir.resolve(file + ".jar.manifest.json"),
                    trust.manifest(ArtifactType.BUNDLE, PREFIX + name, version, jar));
        }

        static byte[] root(long version, byte[] key) {
            byte[] pub = Ed25519Keys.publicKey(key);
            return new TrustRootPayload(version, 1, List.of(new RootKey(KeyIds.ofEd25519(pub), pub)), List.of(),
                    Instant.now().plus(Duration.ofDays(365))).toEnvelope().signedEd25519(key).toJson();
        }

        static void write(Path file, byte[] bytes) {
            try {
                Files.createDirectories(file.getParent());
                Files.write(file, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---- inside the framework

    private Path home() {
        return Path.of(context.getProperty("edgegate.home"));
    }

    private Path jar(String file) {
        return home().resolve("jars").resolve(file + ".jar");
    }

    private DeployedBundle deploy(String name, String file) throws Exception {
        return deploy(name, file, jar(file).resolveSibling(file + ".jar.manifest.json"));
    }

    private DeployedBundle deploy(String name, String file, Path manifest) throws Exception {
        try (InputStream m = Files.newInputStream(manifest); InputStream j = Files.newInputStream(jar(file))) {
            return deployer.install(name, m, j);
        }
    }

    private Bundle bundle(String symbolicName) {
        return Stream.of(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst()
                .orElse(null);
    }

    private static String version(Bundle b) throws IOException {
        try (InputStream in = b.getEntry("it/deploy/version.txt").openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Every installed bundle as it is now: id, name, version, state, last modification. */
    private List<String> everything() {
        return everything(true);
    }

    /** @param modified with the time of the last modification: a rollback is an update, too */
    private List<String> everything(boolean modified) {
        return Stream.of(context.getBundles()).map(b -> b.getBundleId() + " " + b.getSymbolicName() + " "
                + b.getVersion() + " " + b.getState() + (modified ? " " + b.getLastModified() : "")).toList();
    }

    private List<Path> files(String dir) throws IOException {
        Path p = home().resolve(dir);
        if (!Files.isDirectory(p)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Deploys, expects a refusal for {@code reason}, and checks that no bundle and no kept jar changed. */
    private DeployException refused(String name, String file, Path manifest, DeployException.Reason reason)
            throws Exception {
        boolean rollback = reason == DeployException.Reason.START_FAILED_ROLLED_BACK;
        List<String> before = everything(!rollback);
        List<Path> kept = files("data/deploy");
        try {
            DeployedBundle d = deploy(name, file, manifest);
            throw new AssertionError(name + " from " + file + " was deployed: " + d);
        } catch (DeployException e) {
            assertEquals(e.getMessage(), reason, e.reason());
            assertEquals("no bundle changed", before, everything(!rollback));
            assertEquals("no jar was kept", kept, files("data/deploy"));
            assertEquals("no private copy left behind", List.of(), files("data/trust/incoming"));
            assertFalse(e.getMessage().isBlank());
            return e;
        }
    }

    private DeployException refused(String name, String file, DeployException.Reason reason) throws Exception {
        return refused(name, file, jar(file).resolveSibling(file + ".jar.manifest.json"), reason);
    }

    @Test
    public void aSignedBundleIsInstalledFromAKeptCopyAndBecomesActive() throws Exception {
        String name = PREFIX + "fresh";
        assertNull(bundle(name));
        DeployedBundle d = deploy(name, "fresh");
        Bundle b = bundle(name);
        assertNotNull(b);
        assertEquals(Bundle.ACTIVE, b.getState());
        assertEquals(b.getBundleId(), d.bundleId());
        assertEquals("1.0.0", d.version());
        assertEquals(1, d.signedVersion());
        assertEquals(BundleDeployer.LOCATION_PREFIX + name, b.getLocation());
        Path kept = home().resolve("data/deploy/bundles").resolve(name).resolve(d.sha256() + ".jar");
        assertTrue("installed from " + kept, Files.isRegularFile(kept));
        assertEquals(KeyIds.sha256Hex(Files.readAllBytes(jar("fresh"))), d.sha256());
        assertTrue(deployer.deployed().contains(d));
        assertEquals(List.of(), files("data/trust/incoming"));
    }

    @Test
    public void aNewerVersionUpdatesTheBundleInPlace() throws Exception {
        String name = PREFIX + "update";
        long id = deploy(name, "update-1").bundleId();
        DeployedBundle d = deploy(name, "update-2");
        assertEquals("the same bundle, updated", id, d.bundleId());
        Bundle b = context.getBundle(id);
        assertEquals(Bundle.ACTIVE, b.getState());
        assertEquals("2.0.0", b.getVersion().toString());
        assertEquals("2.0.0", version(b));
        assertEquals(1, Stream.of(context.getBundles()).filter(x -> name.equals(x.getSymbolicName())).count());
        assertEquals("only the installed jar is kept",
                List.of(home().resolve("data/deploy/bundles").resolve(name).resolve(d.sha256() + ".jar")),
                files("data/deploy/bundles/" + name));
    }

    @Test
    public void anOlderVersionAfterANewerOneIsRefusedAsReplayed() throws Exception {
        String name = PREFIX + "replay";
        deploy(name, "replay-1");
        deploy(name, "replay-2");
        DeployException e = refused(name, "replay-1", DeployException.Reason.VERIFICATION_FAILED);
        assertEquals(VerificationException.Reason.REPLAYED, e.verificationReason().orElseThrow());
        assertEquals("2.0.0", version(bundle(name)));
    }

    @Test
    public void aJarWithAnEntryAddedAfterSigningIsRefusedAndTheInstalledOneIsUnchanged() throws Exception {
        String name = PREFIX + "tamper";
        deploy(name, "tamper-1");
        DeployException e = refused(name, "tamper-2", DeployException.Reason.VERIFICATION_FAILED);
        assertEquals(VerificationException.Reason.CONTENT_MISMATCH, e.verificationReason().orElseThrow());
        assertTrue(e.getMessage(), e.getMessage().contains("CONTENT_MISMATCH"));
        Bundle b = bundle(name);
        assertEquals("1.0.0", version(b));
        assertEquals(Bundle.ACTIVE, b.getState());
        assertNull(b.getEntry("added-after-signing.txt"));
    }

    @Test
    public void anUnsignedOrEmptyManifestIsRefused() throws Exception {
        String name = PREFIX + "unsigned";
        DeployException unsigned = refused(name, "unsigned", DeployException.Reason.VERIFICATION_FAILED);
        assertEquals(VerificationException.Reason.UNSIGNED, unsigned.verificationReason().orElseThrow());
        DeployException empty = refused(name, "unsigned", home().resolve("jars/empty.manifest.json"),
                DeployException.Reason.VERIFICATION_FAILED);
        assertEquals(VerificationException.Reason.MALFORMED, empty.verificationReason().orElseThrow());
        assertNull(bundle(name));
    }

    @Test
    public void aJarWhoseSymbolicNameIsNotTheSignedNameIsRefused() throws Exception {
        // signed as it.deploy.named: the verifier passes it, the jar check does not
        DeployException e = refused(PREFIX + "named", "impostor", DeployException.Reason.WRONG_BUNDLE);
        assertTrue(e.getMessage(), e.getMessage().contains(PREFIX + "impostor"));
        assertNull(bundle(PREFIX + "named"));
        assertNull(bundle(PREFIX + "impostor"));
        // asked for under the jar's own name, the signed name does not match
        DeployException wrongName = refused(PREFIX + "impostor", "impostor",
                DeployException.Reason.VERIFICATION_FAILED);
        assertEquals(VerificationException.Reason.WRONG_ARTIFACT, wrongName.verificationReason().orElseThrow());
    }

    @Test
    public void protectedBundlesAreRefusedEvenWhenProperlySigned() throws Exception {
        Bundle ort = bundle("io.edgegate.onnxruntime");
        assertNotNull(ort);
        long ortModified = ort.getLastModified();
        DeployException e = refused("io.edgegate.onnxruntime", "io.edgegate.onnxruntime",
                DeployException.Reason.PROTECTED);
        assertTrue(e.getMessage(), e.getMessage().contains("native library"));
        assertEquals(Bundle.ACTIVE, ort.getState());
        assertEquals(ortModified, ort.getLastModified());
        refused("io.edgegate.trust", "io.edgegate.trust", DeployException.Reason.PROTECTED);
        // what the deployer or the verifier is wired to: a refresh would restart them mid-deployment
        DeployException api = refused("io.edgegate.api", "io.edgegate.api", DeployException.Reason.PROTECTED);
        assertTrue(api.getMessage(), api.getMessage().contains("deployer depends on it"));
        DeployException scr = refused("org.apache.felix.scr", "org.apache.felix.scr",
                DeployException.Reason.PROTECTED);
        assertTrue(scr.getMessage(), scr.getMessage().contains("deployer depends on it"));
        DeployException bc = refused("bcprov", "bcprov", DeployException.Reason.PROTECTED);
        assertTrue(bc.getMessage(), bc.getMessage().contains("verifier depends on it"));
    }

    @Test
    public void anUpdateThatDoesNotStartIsRolledBackAndThePreviousVersionStaysActive() throws Exception {
        String name = PREFIX + "broken";
        long id = deploy(name, "broken-1").bundleId();
        DeployException e = refused(name, "broken-2", DeployException.Reason.START_FAILED_ROLLED_BACK);
        assertTrue(e.getMessage(), e.getMessage().contains("it.deploy.NoSuchActivator"));
        assertTrue(e.getMessage(), e.getMessage().contains("1.0.0 was restored"));
        Bundle b = context.getBundle(id);
        assertEquals(Bundle.ACTIVE, b.getState());
        assertEquals("1.0.0", b.getVersion().toString());
        assertEquals("1.0.0", version(b));
    }

    @Test
    public void aNewBundleThatDoesNotStartIsUninstalledAgain() throws Exception {
        DeployException e = refused(PREFIX + "brokennew", "brokennew-1",
                DeployException.Reason.START_FAILED_ROLLED_BACK);
        assertTrue(e.getMessage(), e.getMessage().contains("uninstalled"));
        assertNull(bundle(PREFIX + "brokennew"));
    }

    /**
     * What a command returns. (What the session prints is not looked at: installing a bundle makes Pax Exam log
     * to System.out on this thread, which the session captures.)
     */
    private String shell(String line) throws Exception {
        return shell(line, false);
    }

    /** @param printed also what the session printed, and the result as Gogo formats it (for help) */
    private String shell(String line, boolean printed) throws Exception {
        ServiceTracker<Object, Object> commands = new ServiceTracker<>(context,
                context.createFilter("(&(osgi.command.scope=edgegate)(osgi.command.function=deploy))"), null);
        commands.open();
        try {
            assertNotNull("no edgegate:deploy in 30 s", commands.waitForService(TimeUnit.SECONDS.toMillis(30)));
        } finally {
            commands.close();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            Object result = session.execute(line);
            if (printed) {
                return out.toString(StandardCharsets.UTF_8)
                        + (result == null ? "" : session.format(result, Converter.INSPECT));
            }
            assertNotNull(line + " returned nothing; printed: " + out.toString(StandardCharsets.UTF_8), result);
            return result.toString();
        } catch (Exception e) {
            fail(line + " threw " + e);
            return null;
        }
    }

    @Test
    public void theShellDeploysASignedJarAndSaysWhyOneIsRefused() throws Exception {
        String out = shell("edgegate:deploy " + jar("shell")).strip();
        assertTrue(out, out.startsWith("Deployed " + PREFIX + "shell 1.0.0 (signed version 1, sha256 "));
        assertTrue(out, out.endsWith("ACTIVE."));
        assertEquals(Bundle.ACTIVE, bundle(PREFIX + "shell").getState());

        List<String> before = everything();
        String refused = shell("edgegate:deploy " + jar("shellbad") + " " + jar("shellbad") + ".manifest.json")
                .strip();
        assertEquals(refused, 1, refused.lines().count());
        assertTrue(refused, refused.startsWith("Not deployed (VERIFICATION_FAILED CONTENT_MISMATCH): "));
        assertFalse(refused, refused.contains("Exception") || refused.contains("\tat "));
        assertEquals(before, everything());
        assertNull(bundle(PREFIX + "shellbad"));

        String missing = shell("edgegate:deploy " + home().resolve("jars/nothing.jar")).strip();
        assertEquals("No bundle jar " + home().resolve("jars/nothing.jar") + ".", missing);
    }

    @Test
    public void theShellShowsAndRotatesTheTrustRoot() throws Exception {
        long root = verifier.rootVersion();
        assertEquals("Trust root version " + root + "; verification is enforced.", shell("edgegate:trust").strip());
        String refused = shell("edgegate:rotate-root " + home().resolve("jars/root-5.json")).strip();
        assertTrue(refused, refused.startsWith("Not rotated (BAD_ROOT_ROTATION): "));
        assertEquals(root, verifier.rootVersion());
        if (root == 1) {
            // the same key in root 2, so that the other tests' manifests keep verifying
            assertEquals("Trust root rotated to version 2.",
                    shell("edgegate:rotate-root " + home().resolve("jars/root-2.json")).strip());
            assertEquals(2, verifier.rootVersion());
            assertTrue(shell("edgegate:trust").startsWith("Trust root version 2;"));
        }
        assertTrue(shell("edgegate:rotate-root").startsWith("Usage: edgegate:rotate-root"));
        String help = shell("help", true);
        assertTrue(help, help.contains("edgegate:trust") && help.contains("edgegate:deploy"));
        String deployHelp = shell("help edgegate:deploy", true);
        assertTrue(deployHelp, deployHelp.contains("a version that does not start is rolled back"));
        // Gogo's help lists only commands it finds a method for, and no method can be called rotate-root
        String trustHelp = shell("help edgegate:trust", true);
        assertTrue(trustHelp, trustHelp.contains("edgegate:rotate-root <file>"));
    }
}
