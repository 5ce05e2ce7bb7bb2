package io.edgegate.deploy.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.osgi.framework.Bundle;

/**
 * Writes the content of an installed bundle back into a jar, from the framework's own copy of it: the bytes a
 * rollback puts back are what was running, whatever became of the file it was once installed from.
 */
final class BundleSnapshot {
    private static final String MANIFEST = "META-INF/MANIFEST.MF";

    private BundleSnapshot() {
    }

    /** Writes every entry of {@code bundle} (not of its fragments) to {@code target}, the manifest first. */
    static void write(Bundle bundle, Path target) throws IOException {
        URL manifest = bundle.getEntry(MANIFEST);
        if (manifest == null) {
            throw new IOException("bundle " + bundle.getSymbolicName() + " has no " + MANIFEST);
        }
        Files.deleteIfExists(target);
        try (OutputStream file = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW);
                ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(new ZipEntry("META-INF/"));
            zip.closeEntry();
            copy(manifest, MANIFEST, zip);
            walk(bundle, "/", zip);
        }
    }

    private static void walk(Bundle bundle, String folder, ZipOutputStream zip) throws IOException {
        Enumeration<String> paths = bundle.getEntryPaths(folder);
        if (paths == null) {
            return;
        }
        while (paths.hasMoreElements()) {
            String path = paths.nextElement();
            String name = path.startsWith("/") ? path.substring(1) : path;
            if (name.isEmpty() || name.equals("META-INF/") || name.equals(MANIFEST)) {
                if (name.equals("META-INF/")) {
                    walk(bundle, path, zip);
                }
                continue;
            }
            if (name.endsWith("/")) {
                zip.putNextEntry(new ZipEntry(name));
                zip.closeEntry();
                walk(bundle, path, zip);
            } else {
                URL entry = bundle.getEntry(path);
                if (entry != null) {
                    copy(entry, name, zip);
                }
            }
        }
    }

    private static void copy(URL entry, String name, ZipOutputStream zip) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        try (InputStream in = entry.openStream()) {
            in.transferTo(zip);
        }
        zip.closeEntry();
    }
}
