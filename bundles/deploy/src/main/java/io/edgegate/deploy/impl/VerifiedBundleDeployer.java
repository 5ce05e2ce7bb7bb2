package io.edgegate.deploy.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.deploy.BundleDeployer;
import io.edgegate.deploy.DeployException;
import io.edgegate.deploy.DeployException.Reason;
import io.edgegate.deploy.DeployedBundle;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerifiedArtifact;

/**
 * Verify, then install: the jar is verified into the verifier's private copy, which is moved to
 * {@code <directory>/<name>/<sha256>.jar} and installed from there (a new bundle at location
 * {@link BundleDeployer#LOCATION_PREFIX}) or used to update the bundle of that name in place. The bundle is refreshed
 * and started; if it does not start, or a bundle that was active before does not come back, the previous content
 * is put back. Only then is the version accepted as the new replay floor. One deployment at a time.
 */
@Component(configurationPid = VerifiedBundleDeployer.PID)
@Designate(ocd = VerifiedBundleDeployer.Config.class)
public final class VerifiedBundleDeployer implements BundleDeployer {
    static final String PID = "io.edgegate.deploy";
    /** Framework property naming the gateway's home; relative paths resolve against it. */
    static final String HOME_PROPERTY = "edgegate.home";
    private static final int ACTIVE_OR_STARTING = Bundle.ACTIVE | Bundle.STARTING;
    private static final Logger LOG = LoggerFactory.getLogger(VerifiedBundleDeployer.class);

    @ObjectClassDefinition(name = "Edgegate bundle deployer", description = "Installs and updates bundles from "
            + "signed jars, rolling back what does not start; see docs/signing.md.")
    public @interface Config {
        @AttributeDefinition(description = "Where installed jars are kept, as <name>/<sha256>.jar; relative to the "
                + "gateway home.")
        String directory() default "data/deploy/bundles";

        @AttributeDefinition(description = "Symbolic names that may never be deployed, in addition to the "
                + "framework, io.edgegate.onnxruntime, io.edgegate.trust, the deployer and what they depend on.",
                required = false)
        String[] protectedBundles() default {};

        @AttributeDefinition(description = "How long to wait for a package refresh after an update, in seconds.")
        int refreshTimeoutSeconds() default 60;
    }

    /** What a deployment installed; the bundle's state is read when asked. */
    private record Deployment(String symbolicName, long signedVersion, String sha256, long bundleId) {
    }

    private final BundleContext context;
    private final ArtifactVerifier verifier;
    private final DeployedJars jars;
    private final ProtectedBundles protectedBundles;
    private final FrameworkSteps framework;
    /** The verifier's bundle, whose dependencies must not be refreshed under it; null outside a framework. */
    private final Bundle verifierBundle;
    private final Object lock = new Object();
    private final Map<String, Deployment> deployments = new ConcurrentSkipListMap<>();
    /** Completes with the names restored once the kept jars are back in (see {@link Restorer}). */
    final CompletableFuture<List<String>> restoration = new CompletableFuture<>();

    @Activate
    public VerifiedBundleDeployer(BundleContext context, Config config, @Reference ArtifactVerifier verifier) {
        this.context = context;
        this.verifier = verifier;
        String home = context.getProperty(HOME_PROPERTY);
        Path dir = Paths.get(config.directory());
        this.jars = new DeployedJars(dir.isAbsolute() ? dir
                : Paths.get(home != null ? home : System.getProperty("user.dir")).resolve(dir));
        this.protectedBundles = new ProtectedBundles(context.getBundle(0).getSymbolicName(),
                context.getBundle().getSymbolicName(), Arrays.asList(config.protectedBundles()));
        if (config.refreshTimeoutSeconds() <= 0) {
            throw new IllegalArgumentException("refreshTimeoutSeconds must be positive");
        }
        this.framework = new FrameworkSteps(context.getBundle(0).adapt(FrameworkWiring.class),
                config.refreshTimeoutSeconds() * 1000L);
        this.verifierBundle = FrameworkUtil.getBundle(verifier.getClass());
        LOG.info("Bundle deployer ready: jars in {}, verification {}", jars.root(),
                verifier.enforcing() ? "enforced" : "NOT enforced (development mode)");
        // Not on the activating thread: a refresh waited for there could need the component runtime itself.
        Thread t = new Thread(() -> restoration.complete(restore()), "edgegate-deploy-restore");
        t.setDaemon(true);
        t.start();
    }

    /** Puts the bundles deployed before a restart back in, from their kept, verified jars. */
    List<String> restore() {
        List<String> restored = new ArrayList<>();
        synchronized (lock) {
            for (Restorer.Kept k : Restorer.verifiedJars(jars.root())) {
                try {
                    Bundle existing = installed(k.name());
                    refuseProtected(k.name(), existing);
                    if (existing != null && Restorer.runs(existing, k.file())) {
                        continue;
                    }
                    Bundle b = existing == null ? restoreNew(k) : restoreOver(existing, k);
                    String sha = k.file().getFileName().toString().substring(0, 64);
                    deployments.put(k.name(), new Deployment(k.name(), 0, sha, b.getBundleId()));
                    restored.add(k.name());
                    LOG.info("Bundle {} {} restored from {} ({})", k.name(), b.getVersion(), k.file(), stateName(b));
                } catch (DeployException | StepFailed e) {
                    LOG.error("Bundle {} not restored from {}: {}", k.name(), k.file(), e.getMessage());
                }
            }
        }
        return restored;
    }

    private Bundle restoreNew(Restorer.Kept k) throws DeployException, StepFailed {
        Bundle bundle;
        try (InputStream in = Files.newInputStream(k.file())) {
            bundle = context.installBundle(BundleDeployer.LOCATION_PREFIX + k.name(), in);
        } catch (BundleException | IOException | IllegalStateException e) {
            throw new DeployException(Reason.INVALID_BUNDLE, "the framework refused it: " + FrameworkSteps
                    .describe(e), e);
        }
        try {
            bundle.start();
        } catch (BundleException | RuntimeException e) {
            try {
                bundle.uninstall();
            } catch (BundleException | RuntimeException ignored) {
                // reported below
            }
            throw new StepFailed(Reason.START_FAILED_ROLLED_BACK, "it did not start: " + FrameworkSteps.describe(e)
                    + "; uninstalled again", e);
        }
        return bundle;
    }

    private Bundle restoreOver(Bundle bundle, Restorer.Kept k) throws DeployException {
        boolean wasActive = (bundle.getState() & ACTIVE_OR_STARTING) != 0;
        String oldVersion = bundle.getVersion().toString();
        List<Bundle> dependents = framework.activeDependents(bundle);
        Path previous;
        try {
            previous = jars.previous(k.name());
            BundleSnapshot.write(bundle, previous);
        } catch (IOException e) {
            throw new DeployException(Reason.IO, "cannot keep a copy of version " + oldVersion + " for a rollback: "
                    + e.getMessage(), e);
        }
        try {
            if (wasActive) {
                bundle.stop(Bundle.STOP_TRANSIENT);
            }
            try (InputStream in = Files.newInputStream(k.file())) {
                bundle.update(in);
            }
            framework.refresh(bundle);
            bundle.start();
            for (Bundle d : dependents) {
                if ((d.getState() & ACTIVE_OR_STARTING) == 0) {
                    throw new BundleException("bundle '" + d.getSymbolicName() + "', active before, did not start "
                            + "again");
                }
            }
            return bundle;
        } catch (BundleException | IOException | RuntimeException e) {
            StepFailed f = new StepFailed(Reason.START_FAILED_ROLLED_BACK, "it did not start over version "
                    + oldVersion + ": " + FrameworkSteps.describe(e), e);
            rollback(bundle, previous, wasActive, oldVersion, dependents, f);
            throw f.toException("; version " + oldVersion + " was restored");
        } finally {
            deleteQuietly(previous);
        }
    }

    @Override
    public DeployedBundle install(String symbolicName, InputStream manifest, InputStream jar)
            throws DeployException {
        Objects.requireNonNull(symbolicName, "symbolicName");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(jar, "jar");
        if (!BundleHeaders.validName(symbolicName)) {
            throw new DeployException(Reason.INVALID_BUNDLE, "'" + symbolicName + "' is not a name a bundle can be "
                    + "signed under: 1 to 200 of A-Z a-z 0-9 . _ -, not starting with '.'");
        }
        synchronized (lock) {
            Bundle existing = installed(symbolicName);
            refuseProtected(symbolicName, existing);
            VerifiedArtifact artifact;
            try {
                artifact = verifier.verify(ArtifactType.BUNDLE, symbolicName, manifest, jar);
            } catch (VerificationException e) {
                LOG.info("Bundle {} refused: {}: {}", symbolicName, e.reason(), e.getMessage());
                throw new DeployException("bundle '" + symbolicName + "' refused: " + e.reason() + ": "
                        + e.getMessage(), e);
            }
            return installVerified(artifact, existing);
        }
    }

    private DeployedBundle installVerified(VerifiedArtifact artifact, Bundle existing) throws DeployException {
        String name = artifact.name();
        DeployedJars.Kept kept = null;
        boolean installed = false;
        try {
            BundleHeaders headers = BundleHeaders.read(artifact.file());
            if (!headers.symbolicName().equals(name)) {
                throw new DeployException(Reason.WRONG_BUNDLE, "the jar is bundle '" + headers.symbolicName()
                        + "', but it is signed as '" + name + "'");
            }
            if (headers.fragment()) {
                throw new DeployException(Reason.INVALID_BUNDLE, "bundle '" + name + "' is a fragment; fragments "
                        + "are deployed with a new distribution");
            }
            LOG.info("Deploying bundle {} {} (signed version {}, sha256 {}){}", name, headers.version(),
                    artifact.version(), artifact.sha256(), existing == null ? "" : " over " + existing.getVersion());
            kept = jars.keep(name, artifact.sha256(), artifact.file());
            Bundle bundle = existing == null ? installNew(artifact, kept.file())
                    : update(existing, artifact, kept.file());
            installed = true;
            deployments.put(name, new Deployment(name, artifact.version(), artifact.sha256(), bundle.getBundleId()));
            retainOnly(name, kept.file());
            LOG.info("Bundle {} {} deployed from {} (bundle {}, {})", name, bundle.getVersion(), kept.file(),
                    bundle.getBundleId(), stateName(bundle));
            return describe(deployments.get(name), bundle);
        } catch (IOException e) {
            throw new DeployException(Reason.IO, "cannot store bundle '" + name + "' under " + jars.root() + ": "
                    + e.getMessage(), e);
        } catch (DeployException e) {
            LOG.info("Bundle {} not deployed: {}: {}", name, e.reason(), e.getMessage());
            throw e;
        } finally {
            deleteQuietly(artifact.file());
            if (!installed && kept != null && !kept.replaced()) {
                deleteQuietly(kept.file());
            }
        }
    }

    /** A bundle that was not there: installed from the kept jar, uninstalled again if it does not start. */
    private Bundle installNew(VerifiedArtifact artifact, Path file) throws DeployException {
        Bundle bundle;
        try (InputStream in = Files.newInputStream(file)) {
            bundle = context.installBundle(BundleDeployer.LOCATION_PREFIX + artifact.name(), in);
        } catch (BundleException | IllegalStateException e) {
            throw new DeployException(Reason.INVALID_BUNDLE, "the framework refused bundle '" + artifact.name()
                    + "': " + FrameworkSteps.describe(e), e);
        } catch (IOException e) {
            throw new DeployException(Reason.IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            startAndAccept(bundle, artifact, List.of());
        } catch (StepFailed f) {
            try {
                bundle.uninstall();
                framework.refresh(bundle);
            } catch (BundleException | RuntimeException e) {
                LOG.error("Bundle {} did not start ({}) and could not be uninstalled: {}", artifact.name(),
                        f.getMessage(), FrameworkSteps.describe(e));
                throw new DeployException(Reason.ROLLBACK_FAILED, f.getMessage() + "; uninstalling it failed too: "
                        + FrameworkSteps.describe(e), e);
            }
            LOG.warn("Bundle {} uninstalled again: {}", artifact.name(), f.getMessage());
            throw f.toException("; it was uninstalled again");
        }
        return bundle;
    }

    /**
     * A bundle that is there: a snapshot of what it runs now is taken first, then it is updated in place,
     * refreshed and started; on failure the snapshot goes back in.
     */
    private Bundle update(Bundle bundle, VerifiedArtifact artifact, Path file) throws DeployException, IOException {
        boolean wasActive = (bundle.getState() & ACTIVE_OR_STARTING) != 0;
        String oldVersion = bundle.getVersion().toString();
        List<Bundle> dependents = framework.activeDependents(bundle);
        Path previous = jars.previous(artifact.name());
        try {
            try {
                BundleSnapshot.write(bundle, previous);
            } catch (IOException e) {
                throw new DeployException(Reason.IO, "cannot keep a copy of bundle '" + artifact.name() + "' "
                        + oldVersion + " for a rollback, so it was not replaced: " + e.getMessage(), e);
            }
            try {
                if (wasActive) {
                    bundle.stop(Bundle.STOP_TRANSIENT);
                }
                try (InputStream in = Files.newInputStream(file)) {
                    bundle.update(in);
                }
            } catch (BundleException | IOException | RuntimeException e) {
                // A failed update() leaves the old revision in place: it only needs to run again.
                restart(bundle, wasActive, "the framework refused the update: " + FrameworkSteps.describe(e));
                throw new DeployException(Reason.INVALID_BUNDLE, "the framework refused the update of bundle '"
                        + artifact.name() + "': " + FrameworkSteps.describe(e) + "; version " + oldVersion
                        + " is still installed", e);
            }
            try {
                framework.refresh(bundle);
                startAndAccept(bundle, artifact, dependents);
            } catch (StepFailed f) {
                rollback(bundle, previous, wasActive, oldVersion, dependents, f);
                throw f.toException("; version " + oldVersion + " was restored");
            } catch (BundleException e) {
                StepFailed f = new StepFailed(Reason.START_FAILED_ROLLED_BACK, "bundle '" + artifact.name()
                        + "' was not refreshed: " + FrameworkSteps.describe(e), e);
                rollback(bundle, previous, wasActive, oldVersion, dependents, f);
                throw f.toException("; version " + oldVersion + " was restored");
            }
            return bundle;
        } finally {
            deleteQuietly(previous);
        }
    }

    /** Starts the new content, checks that what ran before runs again, and only then accepts the version. */
    private void startAndAccept(Bundle bundle, VerifiedArtifact artifact, List<Bundle> dependents)
            throws StepFailed {
        String name = artifact.name();
        if (!name.equals(bundle.getSymbolicName())) {
            // The framework read another name than the jar check did: never leave that installed.
            throw new StepFailed(Reason.WRONG_BUNDLE, "the framework reads the jar as bundle '"
                    + bundle.getSymbolicName() + "', but it is signed as '" + name + "'", null);
        }
        try {
            bundle.start();
        } catch (BundleException | RuntimeException e) {
            throw new StepFailed(Reason.START_FAILED_ROLLED_BACK, "bundle '" + name + "' " + bundle.getVersion()
                    + " did not start: " + FrameworkSteps.describe(e), e);
        }
        for (Bundle d : dependents) {
            if ((d.getState() & ACTIVE_OR_STARTING) == 0) {
                throw new StepFailed(Reason.START_FAILED_ROLLED_BACK, "bundle '" + d.getSymbolicName()
                        + "', active before, did not start again with bundle '" + name + "' " + bundle.getVersion(),
                        null);
            }
        }
        try {
            verifier.accept(artifact);
        } catch (VerificationException e) {
            throw new StepFailed(e.reason() == VerificationException.Reason.IO ? Reason.IO
                    : Reason.VERIFICATION_FAILED, "bundle '" + name + "' could not be recorded as accepted: "
                    + e.reason() + ": " + e.getMessage(), e);
        }
    }

    private void rollback(Bundle bundle, Path previous, boolean wasActive, String oldVersion,
            List<Bundle> dependents, StepFailed f) throws DeployException {
        try {
            if ((bundle.getState() & ACTIVE_OR_STARTING) != 0) {
                bundle.stop(Bundle.STOP_TRANSIENT);
            }
            try (InputStream in = Files.newInputStream(previous)) {
                bundle.update(in);
            }
            framework.refresh(bundle);
            if (wasActive) {
                bundle.start();
            } else {
                // clears the persistent start that the failed attempt recorded
                bundle.stop();
            }
            for (Bundle d : dependents) {
                // one that could not resolve against the new version is no longer wired, so not refreshed
                if ((d.getState() & ACTIVE_OR_STARTING) == 0) {
                    d.start();
                }
            }
        } catch (BundleException | IOException | RuntimeException e) {
            LOG.error("Bundle {}: {}; restoring version {} failed too: {}", bundle.getSymbolicName(), f.getMessage(),
                    oldVersion, FrameworkSteps.describe(e));
            throw new DeployException(Reason.ROLLBACK_FAILED, f.getMessage() + "; restoring version " + oldVersion
                    + " failed too: " + FrameworkSteps.describe(e), e);
        }
        LOG.warn("Bundle {} rolled back to version {} ({}): {}", bundle.getSymbolicName(), oldVersion,
                stateName(bundle), f.getMessage());
    }

    /** After a refused update: the old revision runs again as it did. */
    private void restart(Bundle bundle, boolean wasActive, String why) throws DeployException {
        if (!wasActive) {
            return;
        }
        try {
            bundle.start();
        } catch (BundleException | RuntimeException e) {
            throw new DeployException(Reason.ROLLBACK_FAILED, why + "; restarting the installed version failed: "
                    + FrameworkSteps.describe(e), e);
        }
    }

    /** The one installed bundle named {@code symbolicName}, or null. */
    private Bundle installed(String symbolicName) throws DeployException {
        Bundle ours = context.getBundle(BundleDeployer.LOCATION_PREFIX + symbolicName);
        if (ours != null) {
            return ours;
        }
        List<Bundle> named = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                named.add(b);
            }
        }
        if (named.size() > 1) {
            throw new DeployException(Reason.WRONG_BUNDLE, named.size() + " bundles named '" + symbolicName
                    + "' are installed (" + named.stream().map(b -> b.getBundleId() + ": " + b.getVersion())
                            .toList() + "); cannot tell which one to update");
        }
        return named.isEmpty() ? null : named.get(0);
    }

    private void refuseProtected(String symbolicName, Bundle existing) throws DeployException {
        String why = protectedBundles.why(symbolicName);
        if (why == null && existing != null) {
            if (existing.getBundleId() == 0) {
                why = "it is the OSGi framework";
            } else {
                Collection<Bundle> closure = framework.dependencyClosure(existing);
                if (closure.contains(context.getBundle())) {
                    why = "the deployer depends on it, and would be restarted in the middle of the deployment";
                } else if (verifierBundle != null && closure.contains(verifierBundle)) {
                    why = "the verifier depends on it, and would be restarted in the middle of the deployment";
                }
            }
        }
        if (why != null) {
            LOG.info("Bundle {} refused: protected: {}", symbolicName, why);
            throw new DeployException(Reason.PROTECTED, "bundle '" + symbolicName + "' cannot be deployed: " + why);
        }
    }

    private void retainOnly(String name, Path keep) {
        try {
            jars.retainOnly(name, keep);
        } catch (IOException e) {
            LOG.warn("Cannot remove older jars of bundle {}: {}", name, e.toString());
        }
    }

    @Override
    public DeployedBundle uninstall(String symbolicName) throws DeployException {
        Objects.requireNonNull(symbolicName, "symbolicName");
        if (!BundleHeaders.validName(symbolicName)) {
            throw new DeployException(Reason.WRONG_BUNDLE, "'" + symbolicName + "' is not a bundle name");
        }
        synchronized (lock) {
            Bundle bundle = context.getBundle(BundleDeployer.LOCATION_PREFIX + symbolicName);
            if (bundle == null) {
                Bundle other = installed(symbolicName);
                if (other != null) {
                    throw new DeployException(Reason.PROTECTED, "bundle '" + symbolicName + "' came with the "
                            + "distribution; only bundles the deployer installed can be uninstalled");
                }
                throw new DeployException(Reason.WRONG_BUNDLE, "no bundle '" + symbolicName + "' was deployed");
            }
            Deployment d = deployments.getOrDefault(symbolicName, new Deployment(symbolicName, 0, "",
                    bundle.getBundleId()));
            DeployedBundle before = describe(d, bundle);
            try {
                bundle.uninstall();
                framework.refresh(bundle);
            } catch (BundleException | RuntimeException e) {
                throw new DeployException(Reason.INVALID_BUNDLE, "bundle '" + symbolicName + "' could not be "
                        + "uninstalled: " + FrameworkSteps.describe(e), e);
            }
            deployments.remove(symbolicName);
            try {
                jars.forget(symbolicName);
            } catch (IOException e) {
                throw new DeployException(Reason.IO, "bundle '" + symbolicName + "' is uninstalled, but its kept jar "
                        + "could not be deleted and would come back at the next start: " + e.getMessage(), e);
            }
            LOG.info("Bundle {} {} uninstalled; its kept jar is deleted", symbolicName, before.version());
            return before;
        }
    }

    @Override
    public List<DeployedBundle> deployed() {
        List<DeployedBundle> out = new ArrayList<>();
        for (Deployment d : deployments.values()) {
            Bundle b = context.getBundle(d.bundleId());
            if (b != null) {
                out.add(describe(d, b));
            }
        }
        return out;
    }

    private static DeployedBundle describe(Deployment d, Bundle b) {
        return new DeployedBundle(d.symbolicName(), b.getVersion().toString(), d.signedVersion(), d.sha256(),
                d.bundleId(), b.getState());
    }

    private static String stateName(Bundle b) {
        return DeployedBundle.stateName(b.getState());
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", file, e.toString());
        }
    }

    /** A step after the framework took the bundle: the caller undoes what was done, then throws this. */
    private static final class StepFailed extends Exception {
        private static final long serialVersionUID = 1L;
        private final Reason reason;

        StepFailed(Reason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        DeployException toException(String undone) {
            return new DeployException(reason, getMessage() + undone, getCause());
        }
    }
}
