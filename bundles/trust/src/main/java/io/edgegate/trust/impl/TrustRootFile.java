package io.edgegate.trust.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * The trust root on disk: loaded at start (signed by a threshold of its own keys, and not older than the last root
 * installed here), replaced only by exactly the next version signed by a threshold of the old keys and of its own.
 * The replaced root is kept beside it as {@code trust-root.<N>.json}.
 */
final class TrustRootFile {
    /** Record of the installed root's version; no manifest key ({@code type/name}) can look like it. */
    static final String RECORD = "installed-trust-root";

    private final Path file;
    private final AcceptedVersions accepted;

    TrustRootFile(Path file, AcceptedVersions accepted) {
        this.file = file;
        this.accepted = accepted;
    }

    Path path() {
        return file;
    }

    TrustRoot load(Instant now) throws VerificationException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new VerificationException(Reason.IO, "no trust root at " + file
                    + "; nothing can be verified without one", e);
        } catch (IOException e) {
            throw new VerificationException(Reason.IO, "cannot read the trust root " + file + ": " + e.getMessage(), e);
        }
        TrustRoot r;
        try {
            r = TrustRoot.parse(bytes);
            ThresholdCheck.check(r.envelope, r, false, now);
        } catch (VerificationException e) {
            throw new VerificationException(e.reason(), "trust root " + file + ": " + e.getMessage(), e);
        }
        long installed = accepted.highest(RECORD);
        if (r.version() < installed) {
            throw new VerificationException(Reason.REPLAYED, "trust root " + file + " is version " + r.version()
                    + ", but version " + installed + " was installed before: an older root was put back");
        }
        if (r.version() > installed) {
            accepted.record(RECORD, r.version(), null, null, now);
        }
        return r;
    }

    /** Checks {@code next} against {@code current} and, if it is the rightful successor, installs it. */
    void rotate(TrustRoot current, TrustRoot next, Instant now) throws VerificationException {
        if (next.version() != current.version() + 1) {
            throw new VerificationException(Reason.BAD_ROOT_ROTATION, "trust root version " + next.version()
                    + " does not follow version " + current.version() + "; only version " + (current.version() + 1)
                    + " can replace it");
        }
        requireSignatures(next, current, "root " + current.version() + "'s keys", now);
        requireSignatures(next, next, "its own keys", now);
        if (!now.isBefore(next.expires())) {
            throw new VerificationException(Reason.EXPIRED, "trust root " + next.version() + " expired at "
                    + next.expires());
        }
        try {
            AtomicFiles.write(file.resolveSibling(archivedName(current.version())), current.bytes);
            AtomicFiles.write(file, next.bytes);
        } catch (IOException e) {
            throw new VerificationException(Reason.IO, "cannot write the trust root " + file + ": " + e.getMessage(),
                    e);
        }
        accepted.record(RECORD, next.version(), null, null, now);
    }

    private static void requireSignatures(TrustRoot candidate, TrustRoot signers, String whose, Instant now)
            throws VerificationException {
        try {
            ThresholdCheck.check(candidate.envelope, signers, false, now);
        } catch (VerificationException e) {
            throw new VerificationException(Reason.BAD_ROOT_ROTATION, "trust root " + candidate.version()
                    + " is not signed by a threshold of " + whose + ": " + e.reason() + ": " + e.getMessage(), e);
        }
    }

    private String archivedName(long version) {
        String name = file.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return base + "." + version + ".json";
    }
}
