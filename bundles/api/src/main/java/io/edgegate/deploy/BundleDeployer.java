package io.edgegate.deploy;

import java.io.InputStream;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Installs and updates bundles from signed jars. The jar is verified while it is copied to a private file, and
 * that file, never the caller's, is what the framework installs. Deployments run one at a time.
 */
@ProviderType
public interface BundleDeployer {
    /**
     * The location of a bundle that the deployer installed (one that was not installed before), followed by its
     * symbolic name. A bundle that was installed already, for example from the distribution, keeps its location
     * when it is updated.
     */
    String LOCATION_PREFIX = "edgegate:deploy:";

    /**
     * Verifies {@code jar} against its signed {@code manifest} (type {@code bundle}, name {@code symbolicName}),
     * then installs it, or updates the installed bundle with that symbolic name in place, refreshes and starts it.
     * If it does not start, or a bundle that was active before stops working, the previous jar is put back (or
     * the new bundle is uninstalled) before this throws. Only a bundle that started is recorded as accepted, so
     * its version becomes the replay floor.
     *
     * @param symbolicName the bundle's symbolic name; must be the signed name and the jar's Bundle-SymbolicName
     * @param manifest the signed manifest envelope
     * @param jar the bundle jar; read once, into the private copy
     * @return what is installed now
     * @throws DeployException with the reason; nothing was installed or changed unless the reason says so
     */
    DeployedBundle install(String symbolicName, InputStream manifest, InputStream jar) throws DeployException;

    /**
     * Uninstalls a bundle this deployer installed (location {@link #LOCATION_PREFIX}{@code symbolicName}) and forgets
     * its kept jar, so that it does not come back at the next start. Bundles of the distribution, updated or not,
     * are refused ({@link DeployException.Reason#PROTECTED}).
     *
     * @return the bundle as it was before it was uninstalled
     * @throws DeployException {@link DeployException.Reason#WRONG_BUNDLE} if no such bundle was deployed
     */
    DeployedBundle uninstall(String symbolicName) throws DeployException;

    /** The bundles this deployer installed or updated since it started, with their current state. */
    List<DeployedBundle> deployed();
}
