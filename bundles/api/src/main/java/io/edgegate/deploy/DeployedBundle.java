package io.edgegate.deploy;

import java.util.Objects;

import org.osgi.framework.Bundle;

/**
 * A bundle installed by a {@link BundleDeployer}.
 *
 * @param symbolicName its symbolic name, the signed name
 * @param version its Bundle-Version
 * @param signedVersion the version of its signed manifest (monotonic per name; 0 if passed through unverified
 *        in development mode)
 * @param sha256 lower-case hex digest of the installed jar
 * @param bundleId the framework's id of the bundle
 * @param state the bundle's state, one of the {@link Bundle} state constants ({@code Bundle.ACTIVE}, ...)
 */
public record DeployedBundle(String symbolicName, String version, long signedVersion, String sha256,
        long bundleId, int state) {
    public DeployedBundle {
        Objects.requireNonNull(symbolicName, "symbolicName");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(sha256, "sha256");
    }

    /** The state as a word: INSTALLED, RESOLVED, STARTING, STOPPING, ACTIVE or UNINSTALLED. */
    public String stateName() {
        return stateName(state);
    }

    /** A {@link Bundle} state constant as a word: INSTALLED, RESOLVED, STARTING, STOPPING, ACTIVE or UNINSTALLED. */
    public static String stateName(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "UNKNOWN(" + state + ")";
        };
    }
}
