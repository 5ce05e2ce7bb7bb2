package io.edgegate.shell.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.deploy.BundleDeployer;
import io.edgegate.deploy.DeployException;
import io.edgegate.deploy.DeployException.Reason;
import io.edgegate.deploy.DeployedBundle;
import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.VerificationException;

class DeployCommandsTest {
    @TempDir
    Path dir;

    /** Records what it was asked to install; refuses with {@link #refusal} when set. */
    static final class FakeDeployer implements BundleDeployer {
        final List<String> calls = new ArrayList<>();
        DeployException refusal;

        @Override
        public DeployedBundle install(String symbolicName, InputStream manifest, InputStream jar)
                throws DeployException {
            try {
                calls.add(symbolicName + " " + new String(manifest.readAllBytes(), StandardCharsets.UTF_8) + " "
                        + jar.readAllBytes().length);
            } catch (IOException e) {
                throw new DeployException(Reason.IO, e.getMessage(), e);
            }
            if (refusal != null) {
                throw refusal;
            }
            return new DeployedBundle(symbolicName, "1.2.3", 7, "0123456789abcdef0123", 42, 32);
        }

        @Override
        public DeployedBundle uninstall(String symbolicName) throws DeployException {
            throw new DeployException(Reason.WRONG_BUNDLE, "not used here");
        }

        @Override
        public List<DeployedBundle> deployed() {
            return List.of();
        }
    }

    /**
     * Just enough of a verifier: a root version that rotation counts up. A proxy rather than a class, so that
     * methods the verifier gains later need nothing here.
     */
    static final class FakeVerifier implements InvocationHandler {
        long root = 3;
        boolean enforcing = true;

        ArtifactVerifier verifier() {
            return (ArtifactVerifier) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ArtifactVerifier.class}, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "rootVersion":
                    return root;
                case "enforcing":
                    return enforcing;
                case "rotateRoot":
                    if (new String(((InputStream) args[0]).readAllBytes(), StandardCharsets.UTF_8).equals("next")) {
                        return ++root;
                    }
                    throw new VerificationException(VerificationException.Reason.BAD_ROOT_ROTATION,
                            "not signed by root 3's keys\nsecond line");
                default:
                    throw new UnsupportedOperationException(method.getName() + " is not used by the commands");
            }
        }
    }

    private final DeployCommands commands = new DeployCommands();
    private final FakeDeployer deployer = new FakeDeployer();

    private Path jar(String symbolicNameHeader) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicNameHeader != null) {
            m.getMainAttributes().putValue("Bundle-SymbolicName", symbolicNameHeader);
        }
        Path file = dir.resolve("hello.jar");
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, m)) {
            // a manifest is all the command reads
        }
        return file;
    }

    @Test
    void withoutTheServicesTheCommandsSaySo() throws Exception {
        assertEquals(DeployCommands.NO_DEPLOYER, commands.deploy(jar("a"), null));
        assertEquals(DeployCommands.NO_VERIFIER, commands.trust());
        assertEquals(DeployCommands.NO_VERIFIER, new RotateRootCommand().rotate(dir.resolve("x")));
    }

    @Test
    void theManifestDefaultsToTheOneEdgectlSignWritesAndTheNameComesFromTheJar() throws Exception {
        commands.bindDeployer(deployer);
        Path jar = jar("com.example.hello;singleton:=true");
        Files.writeString(dir.resolve("hello.jar.manifest.json"), "signed");
        assertEquals("Deployed com.example.hello 1.2.3 (signed version 7, sha256 0123456789ab, bundle 42): ACTIVE.",
                commands.deploy(jar, null));
        assertEquals(List.of("com.example.hello signed " + Files.size(jar)), deployer.calls);

        Path other = Files.writeString(dir.resolve("elsewhere.json"), "other");
        commands.deploy(jar, other);
        assertEquals("com.example.hello other " + Files.size(jar), deployer.calls.get(1));
    }

    @Test
    void missingFilesAndJarsThatAreNoBundlesAreSaidPlainly() throws Exception {
        commands.bindDeployer(deployer);
        Path jar = jar("com.example.hello");
        assertEquals("No bundle jar " + dir.resolve("nope.jar") + ".", commands.deploy(dir.resolve("nope.jar"), null));
        String noManifest = commands.deploy(jar, null);
        assertTrue(noManifest.startsWith("No signed manifest " + dir.resolve("hello.jar.manifest.json")), noManifest);
        assertTrue(noManifest.contains("edgectl sign"), noManifest);

        Files.writeString(dir.resolve("hello.jar.manifest.json"), "signed");
        jar(null);
        assertTrue(commands.deploy(jar, null).endsWith("has no Bundle-SymbolicName."));
        Files.writeString(jar, "not a zip");
        assertTrue(commands.deploy(jar, null).startsWith("Cannot read " + jar + " as a jar"));
        assertEquals(List.of(), deployer.calls);
    }

    @Test
    void aRefusalIsOneLineWithBothReasonsAndNoStackTrace() throws Exception {
        commands.bindDeployer(deployer);
        Path jar = jar("com.example.hello");
        Files.writeString(dir.resolve("hello.jar.manifest.json"), "signed");
        deployer.refusal = new DeployException("bundle 'com.example.hello' refused: CONTENT_MISMATCH: content's "
                + "sha256 is 00,\nthe manifest declares 11", new VerificationException(
                        VerificationException.Reason.CONTENT_MISMATCH, "content's sha256 is 00"));
        assertEquals("Not deployed (VERIFICATION_FAILED CONTENT_MISMATCH): bundle 'com.example.hello' refused: "
                + "CONTENT_MISMATCH: content's sha256 is 00, the manifest declares 11", commands.deploy(jar, null));

        deployer.refusal = new DeployException(Reason.PROTECTED, "bundle 'x' cannot be deployed: it is protected");
        assertEquals("Not deployed (PROTECTED): bundle 'x' cannot be deployed: it is protected",
                commands.deploy(jar, null));
    }

    @Test
    void trustShowsTheRootVersionAndWhetherItIsEnforced() {
        FakeVerifier verifier = new FakeVerifier();
        commands.bindVerifier(verifier.verifier());
        assertEquals("Trust root version 3; verification is enforced.", commands.trust());
        verifier.enforcing = false;
        assertTrue(commands.trust().contains("NOT enforced"));
        commands.unbindVerifier(new FakeVerifier().verifier());
        assertTrue(commands.trust().startsWith("Trust root version 3"), "another service going away changes nothing");
    }

    @Test
    void rotateRootPrintsTheNewVersionOrWhyNot() throws Exception {
        RotateRootCommand rotate = new RotateRootCommand();
        rotate.bindVerifier(new FakeVerifier().verifier());
        Path next = Files.writeString(dir.resolve("root.json"), "next");
        assertEquals("Trust root rotated to version 4.", rotate.execute(null, List.of(next.toString())));
        Path bad = Files.writeString(dir.resolve("bad.json"), "bad");
        assertEquals("Not rotated (BAD_ROOT_ROTATION): not signed by root 3's keys second line",
                rotate.execute(null, List.of(bad.toString())));
        assertEquals("No trust root file " + dir.resolve("none.json") + ".",
                rotate.execute(null, List.of(dir.resolve("none.json").toString())));
        assertEquals(RotateRootCommand.USAGE, rotate.execute(null, List.of()));
        assertFalse(RotateRootCommand.USAGE.contains("\n"));
    }
}
