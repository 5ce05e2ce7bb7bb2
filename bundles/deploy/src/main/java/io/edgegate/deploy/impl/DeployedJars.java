package io.edgegate.deploy.impl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * The jars the deployer installed from: {@code <root>/<symbolic name>/<sha256>.jar}, owner-only, moved there
 * from the verifier's private copy and never written again, so the file the framework reads is the file that
 * was checked. Only the installed one is kept per name; {@code previous.jar.part} is the snapshot of the bundle
 * being replaced, kept for a rollback while a deployment runs.
 */
final class DeployedJars {
    private static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT)
            .startsWith("windows");

    /**
     * @param file where the jar lies now
     * @param replaced whether a file with these bytes was there already (it must survive a failed deployment)
     */
    record Kept(Path file, boolean replaced) {
    }

    private final Path root;

    DeployedJars(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** The folder of one bundle, created owner-only. */
    Path folder(String symbolicName) throws IOException {
        Path dir = root.resolve(symbolicName);
        if (!dir.getParent().equals(root)) {
            throw new IOException("'" + symbolicName + "' is not a plain name");
        }
        Files.createDirectories(dir);
        if (!WINDOWS) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        return dir;
    }

    /**
     * Moves the verifier's private copy to {@code <name>/<sha256>.jar} and makes the move durable. A move across
     * file systems falls back to copying through an owner-only temporary file beside the target.
     */
    Kept keep(String symbolicName, String sha256, Path privateCopy) throws IOException {
        Path dir = folder(symbolicName);
        Path target = dir.resolve(sha256 + ".jar");
        boolean replaced = Files.exists(target);
        try {
            Files.move(privateCopy, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Path tmp = Files.createTempFile(dir, sha256, ".part");
            try {
                try (FileChannel in = FileChannel.open(privateCopy, StandardOpenOption.READ);
                        FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    long size = in.size();
                    for (long done = 0; done < size;) {
                        done += in.transferTo(done, size - done, out);
                    }
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            Files.deleteIfExists(privateCopy);
        }
        force(target);
        force(dir);
        return new Kept(target, replaced);
    }

    /** Where the snapshot of the bundle being replaced goes. */
    Path previous(String symbolicName) throws IOException {
        return folder(symbolicName).resolve("previous.jar.part");
    }

    /** Deletes every file of {@code symbolicName} but {@code keep}: the one installed now. */
    void retainOnly(String symbolicName, Path keep) throws IOException {
        Path dir = folder(symbolicName);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (!f.equals(keep)) {
                    Files.deleteIfExists(f);
                }
            }
        }
        force(dir);
    }

    /** Deletes every kept file of {@code symbolicName}: it was uninstalled. */
    void forget(String symbolicName) throws IOException {
        Path dir = root.resolve(symbolicName);
        if (!dir.getParent().equals(root) || !Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
        Files.delete(dir);
        force(root);
    }

    /** Makes a file's bytes, or a folder's entries, durable; Windows cannot open a folder and needs no such step. */
    private static void force(Path path) throws IOException {
        if (WINDOWS && Files.isDirectory(path)) {
            return;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
