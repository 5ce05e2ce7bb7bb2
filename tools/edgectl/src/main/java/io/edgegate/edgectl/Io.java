package io.edgegate.edgectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.format.Certificates;
import io.edgegate.trust.format.Ed25519Keys;

/** Reading the operator's files and writing ours; every problem is a {@link Failure} naming the file. */
final class Io {
    private Io() {
    }

    static byte[] read(Path file, String what) {
        requireFile(file, what);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw Failure.usage("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    static String readText(Path file, String what) {
        return new String(read(file, what), StandardCharsets.UTF_8);
    }

    static void requireFile(Path file, String what) {
        if (!Files.exists(file)) {
            throw Failure.usage(what + " " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw Failure.usage(what + " " + file + " is not a file");
        }
    }

    /** The 32-byte Ed25519 seed in a PKCS#8 PEM file, as {@code keys generate} or OpenSSL writes it. */
    static byte[] ed25519PrivateKey(Path file) {
        try {
            return Ed25519Keys.privateKeyFromPem(readText(file, "private key"));
        } catch (VerificationException e) {
            throw Failure.usage("private key " + file + ": " + e.getMessage());
        }
    }

    /** The raw Ed25519 public key in a PEM file ({@code PUBLIC KEY}). */
    static byte[] ed25519PublicKey(Path file) {
        try {
            return Ed25519Keys.publicKeyFromPem(readText(file, "public key"));
        } catch (VerificationException e) {
            throw Failure.usage("public key " + file + ": " + e.getMessage());
        }
    }

    /** A PKCS#8 private key of any algorithm, for a CMS signature. */
    static PrivateKey anyPrivateKey(Path file) {
        try {
            return Certificates.privateKeyFromPem(readText(file, "private key"));
        } catch (VerificationException e) {
            throw Failure.usage("private key " + file + ": " + e.getMessage());
        }
    }

    /** Every certificate in a PEM file (at least one). */
    static List<X509Certificate> certificates(Path file) {
        try {
            return Certificates.allFromPem(readText(file, "certificate"));
        } catch (VerificationException e) {
            throw Failure.usage("certificate " + file + ": " + e.getMessage());
        }
    }

    /**
     * Writes {@code bytes} to {@code file} through a temporary file beside it, so that a reader never sees half a
     * file. Refuses an existing file unless {@code force}.
     *
     * @param ownerOnly mode 600, else 644 (on file systems that have POSIX modes), set before any byte is written
     */
    static void write(Path file, byte[] bytes, boolean force, boolean ownerOnly) {
        Path target = file.toAbsolutePath();
        if (!force && Files.exists(target)) {
            throw Failure.usage(file + " already exists (use --force to replace it)");
        }
        Path dir = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            // Temporary files start as 600; keys stay so, everything else is meant to be shared.
            mode(tmp, ownerOnly ? "rw-------" : "rw-r--r--");
            Files.write(tmp, bytes);
            if (force) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                // Not ATOMIC_MOVE, which may replace a file created meanwhile; a plain move refuses to.
                Files.move(tmp, target);
            }
            tmp = null;
        } catch (FileAlreadyExistsException e) {
            throw Failure.usage(file + " already exists (use --force to replace it)");
        } catch (IOException e) {
            throw Failure.usage("cannot write " + file + ": " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // Best effort: the temporary file is hidden and named after the target.
                }
            }
        }
    }

    private static void mode(Path file, String mode) throws IOException {
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        }
    }

    /** Deletes a folder this CLI created, with what is in it; best effort. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Left behind in the temporary folder; nothing secret is in it.
                }
            });
        } catch (IOException e) {
            // As above.
        }
    }
}
