package io.edgegate.deploy.impl;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.framework.Constants;

/**
 * Bundles that are never replaced while the gateway runs, by name. (Bundles that the deployer or the verifier
 * depend on are refused as well; that needs the framework's wiring and is checked by the deployer.)
 */
final class ProtectedBundles {
    /** ONNX Runtime: its native library can be loaded once per JVM, so the bundle must live as long as the JVM. */
    static final String ONNXRUNTIME = "io.edgegate.onnxruntime";
    /** The verifier: a bundle must not be able to replace the check that admits bundles. */
    static final String TRUST = "io.edgegate.trust";

    private final String frameworkName;
    private final String ownName;
    private final Set<String> configured;

    /**
     * @param frameworkName the system bundle's symbolic name
     * @param ownName the deployer's own bundle
     * @param configured further names from configuration; blanks are ignored
     */
    ProtectedBundles(String frameworkName, String ownName, Collection<String> configured) {
        this.frameworkName = frameworkName;
        this.ownName = ownName;
        this.configured = configured.stream().filter(n -> n != null && !n.isBlank()).map(String::trim)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Why {@code symbolicName} is protected, or null if it is not. */
    String why(String symbolicName) {
        if (Constants.SYSTEM_BUNDLE_SYMBOLICNAME.equals(symbolicName) || symbolicName.equals(frameworkName)) {
            return "it is the OSGi framework";
        }
        if (ONNXRUNTIME.equals(symbolicName)) {
            return "ONNX Runtime's native library can be loaded only once per JVM; it is replaced by restarting "
                    + "the gateway with a new distribution";
        }
        if (TRUST.equals(symbolicName)) {
            return "it is the verifier that admits bundles; it is replaced with a new distribution";
        }
        if (symbolicName.equals(ownName)) {
            return "it is the deployer itself; it is replaced with a new distribution";
        }
        if (configured.contains(symbolicName)) {
            return "it is listed in protectedBundles of configuration " + VerifiedBundleDeployer.PID;
        }
        return null;
    }
}
