package io.edgegate.deploy.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

import io.edgegate.deploy.DeployException;
import io.edgegate.deploy.DeployException.Reason;

/**
 * The headers of a bundle jar that decide whether it may be deployed under a signed name.
 *
 * @param symbolicName Bundle-SymbolicName without its directives
 * @param version Bundle-Version as written, {@code 0.0.0} if absent
 * @param fragment whether it has a Fragment-Host
 */
record BundleHeaders(String symbolicName, String version, boolean fragment) {
    /** The signed-name rule of docs/signing.md: names end up in paths. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}");

    /** Whether {@code name} is a name a bundle can be signed and stored under. */
    static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Reads the headers of a jar. Jar signatures (jarsigner) are not checked here: the signed manifest covers
     * every byte of the file.
     *
     * @throws DeployException {@link Reason#INVALID_BUNDLE} if it is not a jar or has no symbolic name
     */
    static BundleHeaders read(Path jar) throws DeployException {
        Manifest manifest;
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            manifest = file.getManifest();
        } catch (IOException | SecurityException e) {
            throw new DeployException(Reason.INVALID_BUNDLE, "not a jar: " + e.getMessage(), e);
        }
        if (manifest == null) {
            throw new DeployException(Reason.INVALID_BUNDLE, "the jar has no META-INF/MANIFEST.MF");
        }
        Attributes main = manifest.getMainAttributes();
        String name = symbolicName(main.getValue("Bundle-SymbolicName"));
        if (name == null) {
            throw new DeployException(Reason.INVALID_BUNDLE, "the jar's manifest has no Bundle-SymbolicName: "
                    + "not an OSGi bundle");
        }
        String version = main.getValue("Bundle-Version");
        return new BundleHeaders(name, version == null || version.isBlank() ? "0.0.0" : version.trim(),
                main.getValue("Fragment-Host") != null);
    }

    /**
     * The name part of a Bundle-SymbolicName header ({@code a.b;singleton:=true} gives {@code a.b}); null if the
     * header is absent, empty, or names more than one bundle.
     */
    static String symbolicName(String header) {
        if (header == null) {
            return null;
        }
        int semicolon = header.indexOf(';');
        String name = (semicolon < 0 ? header : header.substring(0, semicolon)).trim();
        return name.isEmpty() || name.contains(",") || name.contains("\"") ? null : name;
    }
}
