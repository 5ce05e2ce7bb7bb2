package io.edgegate.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.BundleRevision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway: a Felix framework with every bundle that the feature files in {@code features/} list,
 * taken from {@code bundles/}. Everything is installed before anything starts, so start order does not matter.
 */
public final class Gateway {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Path home;
    private final Map<String, String> properties;
    private Framework framework;

    /**
     * @param home the distribution folder (bin/, bundles/, config/, features/, models/)
     * @param properties framework properties; {@link #defaults} gives the ones the gateway needs
     */
    public Gateway(Path home, Map<String, String> properties) {
        this.home = home.toAbsolutePath().normalize();
        this.properties = new LinkedHashMap<>(properties);
    }

    /** Framework properties every gateway needs, for a gateway home. */
    public static Map<String, String> defaults(Path home, String slf4jVersion) {
        Map<String, String> p = new LinkedHashMap<>();
        Path data = home.resolve("data");
        p.put("edgegate.home", home.toString());
        p.put(Constants.FRAMEWORK_STORAGE, data.resolve("framework").toString());
        // Bundles are installed afresh from bundles/ at every start.
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // Logging is the launcher's SLF4J + logback, shared with every bundle through the system bundle.
        p.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, String.join(",",
                "org.slf4j;version=" + slf4jVersion,
                "org.slf4j.event;version=" + slf4jVersion,
                "org.slf4j.helpers;version=" + slf4jVersion,
                "org.slf4j.spi;version=" + slf4jVersion));
        p.put("felix.cm.dir", data.resolve("configadmin").toString());
        p.put("felix.fileinstall.dir", home.resolve("config").toString());
        p.put("felix.fileinstall.filter", ".*\\.cfg");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.poll", "2000");
        p.put("felix.fileinstall.enableConfigSave", "false");
        p.put("felix.fileinstall.log.level", "2");
        p.put("felix.log.level", "1");
        // No console unless asked for (bin/edgegate --shell): a console on a closed stdin stops the framework.
        p.put("gosh.args", "--nointeractive");
        return p;
    }

    /** The features of a folder, in file-name order. */
    public static List<Feature> features(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(files::add);
        }
        files.sort(null);
        List<Feature> features = new ArrayList<>();
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                features.add(Feature.read(in, f.toString()));
            }
        }
        if (features.isEmpty()) {
            throw new IOException("no feature files (*.json) in " + dir);
        }
        return features;
    }

    /**
     * Starts the framework and every bundle of the features.
     *
     * @throws BundleException naming the bundle that could not be installed or started; the framework is
     *         stopped again
     */
    public void start() throws BundleException, IOException {
        List<Feature> features = features(home.resolve("features"));
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
        framework = factory.newFramework(properties);
        framework.init();
        try {
            BundleContext ctx = framework.getBundleContext();
            Set<Feature.Artifact> seen = new LinkedHashSet<>();
            List<Bundle> installed = new ArrayList<>();
            for (Feature feature : features) {
                for (Feature.Artifact a : feature.bundles()) {
                    if (!seen.add(a)) {
                        continue;
                    }
                    Path jar = home.resolve("bundles").resolve(a.fileName());
                    if (!Files.isRegularFile(jar)) {
                        throw new BundleException("feature " + feature.id() + " lists " + a + ", but " + jar
                                + " is missing");
                    }
                    installed.add(ctx.installBundle(jar.toUri().toString()));
                }
                LOG.debug("Feature {} installed", feature.id());
            }
            framework.start();
            for (Bundle b : installed) {
                if ((b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) == 0) {
                    b.start();
                }
            }
            LOG.info("Started {} bundles of {} features", installed.size(), features.size());
        } catch (BundleException | RuntimeException e) {
            stop(10_000);
            throw e;
        }
    }

    /** Stops the framework and waits up to {@code timeoutMillis}; idempotent. */
    public boolean stop(long timeoutMillis) {
        Framework f = framework;
        if (f == null || (f.getState() & (Bundle.ACTIVE | Bundle.STARTING | Bundle.STOPPING)) == 0) {
            return true;
        }
        try {
            f.stop();
            FrameworkEvent e = f.waitForStop(timeoutMillis);
            return e.getType() != FrameworkEvent.WAIT_TIMEDOUT;
        } catch (BundleException e) {
            LOG.error("Stopping the framework failed: {}", e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Blocks until the framework stops, for whatever reason. */
    public void awaitStop() throws InterruptedException {
        framework.waitForStop(0);
    }

    public Framework framework() {
        return framework;
    }
}
