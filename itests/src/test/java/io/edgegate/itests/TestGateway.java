package io.edgegate.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackages;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;

import org.ops4j.pax.exam.Option;
import org.osgi.framework.Constants;

import io.edgegate.launcher.Feature;
import io.edgegate.launcher.Gateway;
import io.edgegate.testkit.TestTrust;

/**
 * Builds the Pax Exam options of a gateway exactly as the launcher does: every bundle of every feature file,
 * the launcher's framework properties, and a gateway home of the test's own. Runs outside the framework
 * (in {@code @Configuration}); the tests inside read the home and port back from framework properties.
 */
final class TestGateway {
    /** Framework property with the PEM of the key that the test's trust root trusts. */
    static final String SIGNING_KEY = "edgegate.it.signingKey";
    private static final Map<Path, TestTrust> TRUST = new java.util.concurrent.ConcurrentHashMap<>();

    static final String SLF4J_VERSION = org.slf4j.LoggerFactory.class.getPackage().getImplementationVersion();

    private TestGateway() {
    }

    /** A fresh gateway home for a test class: {@code target/it/<name>/}, with an empty config/ folder. */
    /** The trust root of a home made by {@link #home(String)}: one key, threshold 1. */
    static TestTrust trust(Path home) {
        return TRUST.computeIfAbsent(home, TestTrust::create);
    }

    static Path home(String name) {
        try {
            Path home = Path.of(System.getProperty("edgegate.itest.dir", "target/it")).resolve(name)
                    .toAbsolutePath();
            deleteTree(home);
            TRUST.remove(home);
            Files.createDirectories(home.resolve("config"));
            // no broker in these tests: the MQTT channel stays off instead of retrying in the background
            Files.writeString(home.resolve("config/io.edgegate.mqtt.cfg"), "enabled=false\n");
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The gateway's options. A throwaway trust root is written to {@code config/trust-root.json} first, unless the
     * test wrote one, and every model already under {@code models/} or {@code staging/} is signed with its key, as an
     * operator would with {@code edgectl sign}; the key (PKCS#8 PEM) is handed to the test in the framework property
     * {@value #SIGNING_KEY}.
     */
    static Option[] options(Path home, Option... extra) {
        List<Option> options = new ArrayList<>();
        TestTrust trust = trust(home);
        trust.signAll(home.resolve("models"));
        trust.signAll(home.resolve("staging"));
        options.add(frameworkProperty(SIGNING_KEY).value(trust.privateKeyPem()));
        Map<String, String> props = new HashMap<>(Gateway.defaults(home, slf4jVersion()));
        // Pax Exam owns the framework's storage and system packages.
        props.remove(Constants.FRAMEWORK_STORAGE);
        props.remove(Constants.FRAMEWORK_STORAGE_CLEAN);
        props.remove(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA);
        props.put("org.osgi.service.http.port", Integer.toString(freePort()));
        props.put("org.apache.felix.http.host", "127.0.0.1");
        props.forEach((k, v) -> options.add(frameworkProperty(k).value(v)));
        String v = slf4jVersion();
        options.add(systemPackages("org.slf4j;version=" + v, "org.slf4j.event;version=" + v,
                "org.slf4j.helpers;version=" + v, "org.slf4j.spi;version=" + v));
        options.add(junitBundles());
        options.add(cleanCaches(true));
        List<File> jars = featureBundles();
        for (File jar : jars) {
            options.add(bundle(jar.toURI().toString()));
        }
        options.add(frameworkProperty("edgegate.it.ours")
                .value(Long.toString(jars.stream().filter(f -> f.getName().startsWith("edgegate-")).count())));
        options.addAll(List.of(extra));
        return options.toArray(new Option[0]);
    }

    private static String slf4jVersion() {
        return SLF4J_VERSION != null ? SLF4J_VERSION : "2.0.0";
    }

    /** The jars, from this build's class path, of every bundle the feature files list, in their order. */
    static List<File> featureBundles() {
        Map<String, File> byName = new HashMap<>();
        File featuresJar = null;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File f = new File(entry);
            byName.put(f.getName(), f);
            if (f.getName().startsWith("edgegate-features-")) {
                featuresJar = f;
            }
        }
        if (featuresJar == null) {
            throw new IllegalStateException("edgegate-features is not on the test class path");
        }
        Set<Feature.Artifact> artifacts = new LinkedHashSet<>();
        try (JarFile jar = new JarFile(featuresJar)) {
            List<String> names = jar.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("features/") && n.endsWith(".json")).sorted().toList();
            for (String n : names) {
                try (InputStream in = jar.getInputStream(jar.getEntry(n))) {
                    artifacts.addAll(Feature.read(in, n).bundles());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<File> jars = new ArrayList<>();
        for (Feature.Artifact a : artifacts) {
            File f = byName.get(a.fileName());
            if (f == null) {
                throw new IllegalStateException(a + " is listed by a feature but is not a dependency of itests");
            }
            jars.add(f);
        }
        return jars;
    }

    /** Copies the MiniLM INT8 model of the registry artifact to {@code models/<name>/<version>/}. */
    static void installMiniLm(Path home, String name, long version) {
        Path target = home.resolve("models").resolve(name).resolve(Long.toString(version)).resolve("model.onnx");
        try (InputStream in = TestGateway.class.getResourceAsStream(MiniLmInputs.RESOURCE)) {
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
