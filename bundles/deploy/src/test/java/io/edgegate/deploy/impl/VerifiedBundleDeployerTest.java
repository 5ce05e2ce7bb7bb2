package io.edgegate.deploy.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

import io.edgegate.deploy.BundleDeployer;
import io.edgegate.deploy.DeployException;
import io.edgegate.deploy.DeployException.Reason;
import io.edgegate.deploy.DeployedBundle;
import io.edgegate.testkit.TestTrust;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;
import io.edgegate.trust.impl.BouncyCastleArtifactVerifier;

/** The deployer in a real Felix, with a real enforcing verifier over a throwaway trust root. */
class VerifiedBundleDeployerTest {
    static final String HELLO = "com.example.hello";

    @TempDir
    Path home;

    private Framework framework;
    private BundleContext context;
    private TestTrust trust;
    private VerifiedBundleDeployer deployer;

    @BeforeEach
    void start() throws Exception {
        framework = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(Map.of(
                Constants.FRAMEWORK_STORAGE, home.resolve("data/framework").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT,
                "edgegate.home", home.toString()));
        framework.start();
        context = framework.getBundleContext();
        trust = TestTrust.create(home);
        deployer = new VerifiedBundleDeployer(context, config(), trust.verifier());
    }

    @AfterEach
    void stop() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    static VerifiedBundleDeployer.Config config(String... protectedBundles) {
        return new VerifiedBundleDeployer.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return VerifiedBundleDeployer.Config.class;
            }

            @Override
            public String directory() {
                return "data/deploy/bundles";
            }

            @Override
            public String[] protectedBundles() {
                return protectedBundles;
            }

            @Override
            public int refreshTimeoutSeconds() {
                return 30;
            }
        };
    }

    static byte[] hello(String version, String text) {
        return TestBundles.bundle(HELLO, version).resource("hello.txt", text).resource("deep/in/side.txt", text)
                .jar();
    }

    private DeployedBundle deploy(String name, long signedVersion, byte[] jar) throws DeployException {
        return deploy(name, trust.manifest(ArtifactType.BUNDLE, name, signedVersion, jar), jar);
    }

    private DeployedBundle deploy(String name, byte[] manifest, byte[] jar) throws DeployException {
        return deployer.install(name, new ByteArrayInputStream(manifest), new ByteArrayInputStream(jar));
    }

    private Bundle installed(String name) {
        return Stream.of(context.getBundles()).filter(b -> name.equals(b.getSymbolicName())).findFirst()
                .orElse(null);
    }

    private static String entry(Bundle b, String path) throws IOException {
        try (InputStream in = b.getEntry(path).openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private List<Path> files(String dir) throws IOException {
        Path p = home.resolve(dir);
        if (!Files.isDirectory(p)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void aSignedBundleIsInstalledFromTheKeptCopyAndStarted() throws Exception {
        byte[] jar = hello("1.0.0", "one");
        DeployedBundle d = deploy(HELLO, 1, jar);

        Bundle b = installed(HELLO);
        assertNotNull(b);
        assertEquals(Bundle.ACTIVE, b.getState());
        assertEquals(BundleDeployer.LOCATION_PREFIX + HELLO, b.getLocation());
        assertEquals("one", entry(b, "hello.txt"));
        assertEquals(new DeployedBundle(HELLO, "1.0.0", 1, sha256(jar), b.getBundleId(), Bundle.ACTIVE), d);
        assertEquals(List.of(d), deployer.deployed());
        Path kept = home.resolve("data/deploy/bundles/" + HELLO + "/" + sha256(jar) + ".jar");
        assertEquals(List.of(kept), files("data/deploy"));
        assertArrayEquals(jar, Files.readAllBytes(kept));
        assertEquals(List.of(), files("data/trust/incoming"), "the private copy was moved, not left behind");
    }

    @Test
    void aNewerVersionUpdatesInPlaceAndTheOlderOneIsThenReplayed() throws Exception {
        deploy(HELLO, 1, hello("1.0.0", "one"));
        long id = installed(HELLO).getBundleId();
        byte[] two = hello("2.0.0", "two");
        DeployedBundle d = deploy(HELLO, 2, two);
        Bundle b = context.getBundle(id);
        assertEquals(id, d.bundleId(), "updated in place, not installed beside");
        assertEquals("2.0.0", b.getVersion().toString());
        assertEquals(Bundle.ACTIVE, b.getState());
        assertEquals("two", entry(b, "hello.txt"));
        assertEquals(List.of(home.resolve("data/deploy/bundles/" + HELLO + "/" + sha256(two) + ".jar")),
                files("data/deploy"), "only the installed jar is kept");

        DeployException e = assertThrows(DeployException.class, () -> deploy(HELLO, 1, hello("1.0.0", "one")));
        assertEquals(Reason.VERIFICATION_FAILED, e.reason());
        assertEquals(VerificationException.Reason.REPLAYED, e.verificationReason().orElseThrow());
        assertEquals("2.0.0", context.getBundle(id).getVersion().toString());
        assertEquals(List.of(), files("data/trust/incoming"));
    }

    @Test
    void aJarWithAnEntryAddedAfterSigningIsRefusedAndNothingChanges() throws Exception {
        deploy(HELLO, 1, hello("1.0.0", "one"));
        byte[] two = hello("2.0.0", "two");
        byte[] manifest = trust.manifest(ArtifactType.BUNDLE, HELLO, 2, two);
        byte[] tampered = TestBundles.withEntryAdded(two, "extra.txt", "added later");
        List<Path> before = files("data/deploy");

        DeployException e = assertThrows(DeployException.class, () -> deploy(HELLO, manifest, tampered));
        assertEquals(Reason.VERIFICATION_FAILED, e.reason());
        assertEquals(VerificationException.Reason.CONTENT_MISMATCH, e.verificationReason().orElseThrow());
        assertTrue(e.getMessage().contains("CONTENT_MISMATCH"), e.getMessage());
        Bundle b = installed(HELLO);
        assertEquals("1.0.0", b.getVersion().toString());
        assertNull(b.getEntry("extra.txt"));
        assertEquals(before, files("data/deploy"));
        assertEquals(List.of(), files("data/trust/incoming"));

        // the untampered jar with the same manifest still goes in
        deploy(HELLO, manifest, two);
        assertEquals("2.0.0", installed(HELLO).getVersion().toString());
    }

    @Test
    void aJarWhoseSymbolicNameIsNotTheSignedNameIsRefused() throws Exception {
        byte[] other = TestBundles.bundle("com.example.other", "1.0.0").resource("x.txt", "x").jar();
        DeployException e = assertThrows(DeployException.class, () -> deploy(HELLO, 1, other));
        assertEquals(Reason.WRONG_BUNDLE, e.reason());
        assertTrue(e.getMessage().contains("com.example.other"), e.getMessage());
        assertNull(installed(HELLO));
        assertNull(installed("com.example.other"));
        assertEquals(List.of(), files("data/trust/incoming"));
        assertEquals(List.of(), files("data/deploy"));
        // not accepted: version 1 of the right jar is still welcome
        deploy(HELLO, 1, hello("1.0.0", "one"));
    }

    @Test
    void anUnsignedOrEmptyManifestIsRefused() throws Exception {
        byte[] jar = hello("1.0.0", "one");
        DeployException empty = assertThrows(DeployException.class, () -> deploy(HELLO, new byte[0], jar));
        assertEquals(VerificationException.Reason.MALFORMED, empty.verificationReason().orElseThrow());
        byte[] unsigned = new Manifest(ArtifactType.BUNDLE, HELLO, 1, sha256(jar), jar.length,
                Instant.now().plus(Duration.ofDays(1)), Targets.ANY, false).toEnvelope().toJson();
        DeployException e = assertThrows(DeployException.class, () -> deploy(HELLO, unsigned, jar));
        assertEquals(VerificationException.Reason.UNSIGNED, e.verificationReason().orElseThrow());
        assertNull(installed(HELLO));
    }

    @Test
    void protectedBundlesAreRefusedBeforeAnythingIsRead() throws Exception {
        InputStream untouchable = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("a protected bundle's stream must not be read");
            }
        };
        for (String name : List.of("io.edgegate.onnxruntime", "io.edgegate.trust", "system.bundle",
                context.getBundle(0).getSymbolicName())) {
            DeployException e = assertThrows(DeployException.class,
                    () -> deployer.install(name, untouchable, untouchable));
            assertEquals(Reason.PROTECTED, e.reason(), name);
        }
        VerifiedBundleDeployer pinned = new VerifiedBundleDeployer(context, config(HELLO), trust.verifier());
        DeployException e = assertThrows(DeployException.class, () -> pinned.install(HELLO, untouchable, untouchable));
        assertEquals(Reason.PROTECTED, e.reason());
    }

    @Test
    void aNewBundleThatDoesNotStartIsUninstalledAndNotAccepted() throws Exception {
        byte[] broken = TestBundles.bundle(HELLO, "1.0.0").header("Bundle-Activator", "com.example.Missing")
                .resource("hello.txt", "broken").jar();
        DeployException e = assertThrows(DeployException.class, () -> deploy(HELLO, 1, broken));
        assertEquals(Reason.START_FAILED_ROLLED_BACK, e.reason());
        assertTrue(e.getMessage().contains("com.example.Missing"), e.getMessage());
        assertTrue(e.getMessage().contains("uninstalled"), e.getMessage());
        assertNull(installed(HELLO));
        assertEquals(List.of(), files("data/deploy"));
        assertEquals(List.of(), deployer.deployed());
        // a version that never ran is not the replay floor: fixed and signed again as version 1, it goes in
        deploy(HELLO, 1, hello("1.0.0", "fixed"));
        assertEquals(Bundle.ACTIVE, installed(HELLO).getState());
    }

    @Test
    void anUpdateThatDoesNotStartIsRolledBackToTheRunningVersion() throws Exception {
        byte[] one = hello("1.0.0", "one");
        deploy(HELLO, 1, one);
        long id = installed(HELLO).getBundleId();
        byte[] broken = TestBundles.bundle(HELLO, "2.0.0").header("Bundle-Activator", "com.example.Missing")
                .resource("hello.txt", "broken").jar();
        DeployException e = assertThrows(DeployException.class, () -> deploy(HELLO, 2, broken));
        assertEquals(Reason.START_FAILED_ROLLED_BACK, e.reason());
        assertTrue(e.getMessage().contains("com.example.Missing") && e.getMessage().contains("1.0.0 was restored"),
                e.getMessage());
        Bundle b = context.getBundle(id);
        assertEquals(Bundle.ACTIVE, b.getState());
        assertEquals("1.0.0", b.getVersion().toString());
        assertEquals("one", entry(b, "hello.txt"));
        assertEquals("one", entry(b, "deep/in/side.txt"));
        assertEquals(List.of(home.resolve("data/deploy/bundles/" + HELLO + "/" + sha256(one) + ".jar")),
                files("data/deploy"));
        // version 2 was not accepted
        deploy(HELLO, 2, hello("2.0.0", "two"));
        assertEquals("two", entry(context.getBundle(id), "hello.txt"));
    }

    @Test
    void aBundleInstalledFromElsewhereIsUpdatedInPlaceAndRestoredFromWhatRan() throws Exception {
        Path original = home.resolve("bundles/hello.jar");
        Files.createDirectories(original.getParent());
        Files.write(original, hello("1.0.0", "shipped"));
        Bundle b = context.installBundle(original.toUri().toString());
        b.start();
        // the file it came from changes afterwards: a rollback must not put that back
        Files.write(original, hello("1.0.0", "changed on disk"));

        byte[] broken = TestBundles.bundle(HELLO, "2.0.0").header("Bundle-Activator", "com.example.Missing").jar();
        assertEquals(Reason.START_FAILED_ROLLED_BACK,
                assertThrows(DeployException.class, () -> deploy(HELLO, 1, broken)).reason());
        assertEquals("shipped", entry(b, "hello.txt"));
        assertEquals(Bundle.ACTIVE, b.getState());

        DeployedBundle d = deploy(HELLO, 2, hello("2.0.0", "two"));
        assertEquals(b.getBundleId(), d.bundleId());
        assertEquals(original.toUri().toString(), b.getLocation(), "the location stays; the content is new");
        assertEquals("two", entry(b, "hello.txt"));
    }

    @Test
    void anUpdateThatBreaksAnActiveBundleWiredToItIsRolledBack() throws Exception {
        deploy("com.example.api", 1, TestBundles.bundle("com.example.api", "1.0.0")
                .header("Export-Package", "com.example.api;version=1.0.0").resource("com/example/api/a.txt", "a")
                .jar());
        deploy("com.example.user", 1, TestBundles.bundle("com.example.user", "1.0.0")
                .header("Import-Package", "com.example.api;version=\"[1,2)\"").jar());
        Bundle user = installed("com.example.user");
        assertEquals(Bundle.ACTIVE, user.getState());

        byte[] incompatible = TestBundles.bundle("com.example.api", "2.0.0")
                .header("Export-Package", "com.example.api;version=2.0.0").resource("com/example/api/a.txt", "b")
                .jar();
        DeployException e = assertThrows(DeployException.class, () -> deploy("com.example.api", 2, incompatible));
        assertEquals(Reason.START_FAILED_ROLLED_BACK, e.reason());
        assertTrue(e.getMessage().contains("com.example.user"), e.getMessage());
        assertEquals("1.0.0", installed("com.example.api").getVersion().toString());
        assertEquals(Bundle.ACTIVE, user.getState());
    }

    @Test
    void inDevelopmentModeAnUnsignedBundleIsInstalledButNeverAccepted() throws Exception {
        ArtifactVerifier lax = new BouncyCastleArtifactVerifier(trust.rootFile(), trust.stateDirectory(),
                TestTrust.GATEWAY_ID, "any", false);
        VerifiedBundleDeployer dev = new VerifiedBundleDeployer(context, config(), lax);
        byte[] jar = hello("1.0.0", "dev");
        DeployedBundle d = dev.install(HELLO, new ByteArrayInputStream(new byte[0]), new ByteArrayInputStream(jar));
        assertEquals(Bundle.ACTIVE, d.state());
        assertEquals(0, d.signedVersion());
        // nothing was recorded: a signed version 1 is still newer than what was accepted
        deploy(HELLO, 1, hello("1.0.0", "signed"));
        assertEquals("signed", entry(installed(HELLO), "hello.txt"));
    }

    @Test
    void aNameThatCannotBeSignedIsRefusedAtOnce() {
        DeployException e = assertThrows(DeployException.class, () -> deployer.install("../x",
                new ByteArrayInputStream(new byte[0]), new ByteArrayInputStream(new byte[0])));
        assertEquals(Reason.INVALID_BUNDLE, e.reason());
        assertFalse(Files.exists(home.resolve("data/deploy")));
    }

    /** A restart as the launcher does it: a new framework with clean storage, the distribution's bundles only. */
    private void restart(Path distributionJar) throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
        framework = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(Map.of(
                Constants.FRAMEWORK_STORAGE, home.resolve("data/framework").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT,
                "edgegate.home", home.toString()));
        framework.start();
        context = framework.getBundleContext();
        if (distributionJar != null) {
            context.installBundle(distributionJar.toUri().toString()).start();
        }
        deployer = new VerifiedBundleDeployer(context, config(), trust.verifier());
        deployer.restoration.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void deployedBundlesComeBackAfterARestart() throws Exception {
        // "dist" ships with the distribution at 1.0.0 and is updated to 2.0.0; "hello" is new
        Path distJar = home.resolve("dist-1.0.0.jar");
        Files.write(distJar, TestBundles.bundle("com.example.dist", "1.0.0").resource("v.txt", "one").jar());
        context.installBundle(distJar.toUri().toString()).start();
        deploy("com.example.dist", 1, TestBundles.bundle("com.example.dist", "2.0.0").resource("v.txt", "two").jar());
        deploy(HELLO, 1, hello("1.0.0", "one"));

        restart(distJar);

        assertEquals(List.of("com.example.dist", HELLO), deployer.restoration.get().stream().sorted().toList());
        Bundle dist = installed("com.example.dist");
        assertEquals("2.0.0", dist.getVersion().toString());
        assertEquals("two", entry(dist, "v.txt"));
        assertEquals(Bundle.ACTIVE, dist.getState());
        Bundle hello = installed(HELLO);
        assertEquals(Bundle.ACTIVE, hello.getState());
        assertEquals(BundleDeployer.LOCATION_PREFIX + HELLO, hello.getLocation());
        // the replay floor survived too: the old version is still refused
        DeployException e = assertThrows(DeployException.class, () -> deploy(HELLO, 1, hello("1.0.0", "one")));
        assertEquals(VerificationException.Reason.REPLAYED, e.verificationReason().orElseThrow());
    }

    @Test
    void aKeptJarChangedOnDiskIsNotRestored() throws Exception {
        deploy(HELLO, 1, hello("1.0.0", "one"));
        Path kept = files("data/deploy").get(0);
        Files.write(kept, hello("6.6.6", "evil"));

        restart(null);

        assertEquals(List.of(), deployer.restoration.get());
        assertNull(installed(HELLO), "a jar that no longer matches what was verified is never installed");
    }

    @Test
    void anUninstalledBundleStaysGoneAfterARestart() throws Exception {
        deploy(HELLO, 1, hello("1.0.0", "one"));
        DeployedBundle before = deployer.uninstall(HELLO);
        assertEquals("1.0.0", before.version());
        assertNull(installed(HELLO));
        assertEquals(List.of(), files("data/deploy"), "its kept jar is forgotten");

        restart(null);

        assertNull(installed(HELLO), "not restored");
        DeployException e = assertThrows(DeployException.class, () -> deployer.uninstall(HELLO));
        assertEquals(Reason.WRONG_BUNDLE, e.reason());
    }

    @Test
    void aBundleOfTheDistributionCannotBeUninstalled() throws Exception {
        Path distJar = home.resolve("dist.jar");
        Files.write(distJar, TestBundles.bundle("com.example.dist", "1.0.0").jar());
        context.installBundle(distJar.toUri().toString()).start();
        DeployException e = assertThrows(DeployException.class, () -> deployer.uninstall("com.example.dist"));
        assertEquals(Reason.PROTECTED, e.reason());
        assertEquals(Bundle.ACTIVE, installed("com.example.dist").getState());
    }
}
