package io.edgegate.deploy.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the deployer installed must survive a restart: the launcher installs the distribution's bundles afresh at
 * every start, so the kept jars ({@code <name>/<sha256>.jar}, verified when deployed) are put back once the
 * deployer is up. A kept jar whose bytes no longer match its name is not installed: it was changed after it was
 * verified.
 */
final class Restorer {
    private static final Logger LOG = LoggerFactory.getLogger(Restorer.class);
    private static final Pattern KEPT = Pattern.compile("[0-9a-f]{64}\\.jar");

    /** One kept jar: the bundle name it was deployed under and the file. */
    record Kept(String name, Path file) {
    }

    private Restorer() {
    }

    /** Every kept jar whose bytes still hash to its file name; the others are reported and skipped. */
    static List<Kept> verifiedJars(Path root) {
        List<Kept> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (DirectoryStream<Path> names = Files.newDirectoryStream(root)) {
            for (Path dir : names) {
                String name = dir.getFileName().toString();
                if (!Files.isDirectory(dir) || !BundleHeaders.validName(name)) {
                    continue;
                }
                Files.deleteIfExists(dir.resolve("previous.jar.part")); // left by a deployment that died
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                    for (Path f : files) {
                        String file = f.getFileName().toString();
                        if (!KEPT.matcher(file).matches()) {
                            continue;
                        }
                        String expected = file.substring(0, 64);
                        String actual = sha256(f);
                        if (expected.equals(actual)) {
                            found.add(new Kept(name, f));
                        } else {
                            LOG.error("Kept jar {} of bundle {} changed after it was verified (sha256 {}): not "
                                    + "restored; deploy the bundle again", f, name, actual);
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.error("Cannot read the deployed bundles in {}: {}", root, e.toString());
        }
        return found;
    }

    /**
     * Whether {@code bundle} already runs the kept jar: the jar's manifest main attributes are exactly the bundle's
     * headers. (bnd-built jars carry Bnd-LastModified, so two builds are told apart.)
     */
    static boolean runs(Bundle bundle, Path jar) {
        try (JarFile j = new JarFile(jar.toFile())) {
            Attributes main = j.getManifest().getMainAttributes();
            Dictionary<String, String> headers = bundle.getHeaders("");
            if (headers.size() != main.size()) {
                return false;
            }
            for (Map.Entry<Object, Object> e : main.entrySet()) {
                if (!String.valueOf(e.getValue()).equals(headers.get(e.getKey().toString()))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
