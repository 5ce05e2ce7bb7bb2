package io.edgegate.trust.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.format.KeyIds;

/**
 * The gateway's own copy of an artifact, streamed from the caller while it is hashed. With a declared length the
 * stream is read for at most {@code length + 1} bytes and the file never grows past {@code length}: one byte
 * too many is enough to refuse, so a hostile endless stream can neither fill the disk nor hang the check.
 *
 * @param file owner-only temporary file in the incoming folder
 * @param length bytes written
 * @param sha256 lower-case hex digest of the bytes written
 */
record PrivateCopy(Path file, long length, String sha256) {
    private static final int BUFFER = 64 * 1024;

    /**
     * @param declaredLength the manifest's length, or -1 to copy everything (development mode only)
     * @throws VerificationException {@link Reason#CONTENT_MISMATCH} if the content is longer than declared,
     *         {@link Reason#IO} if reading or writing fails; the file is gone in both cases
     */
    static PrivateCopy write(InputStream content, Path directory, String prefix, long declaredLength)
            throws VerificationException {
        Path file;
        try {
            file = Files.createTempFile(directory, prefix, ".part");
        } catch (IOException e) {
            throw new VerificationException(Reason.IO, "cannot create a private copy in " + directory + ": "
                    + e.getMessage(), e);
        }
        MessageDigest digest = KeyIds.sha256();
        long written = 0;
        boolean longer = false;
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[BUFFER];
            while (true) {
                int want = declaredLength < 0 ? buf.length
                        : (int) Math.min(buf.length, declaredLength + 1 - written);
                int n = content.read(buf, 0, want);
                if (n < 0) {
                    break;
                }
                if (declaredLength >= 0 && written + n > declaredLength) {
                    longer = true;
                    break;
                }
                digest.update(buf, 0, n);
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                written += n;
            }
            if (!longer) {
                out.force(true);
            }
        } catch (IOException | RuntimeException e) {
            delete(file);
            throw new VerificationException(Reason.IO, "cannot copy the content: " + e.getMessage(), e);
        }
        if (longer) {
            delete(file);
            throw new VerificationException(Reason.CONTENT_MISMATCH, "content is longer than the declared "
                    + declaredLength + " bytes; cut off after " + (declaredLength + 1) + " bytes");
        }
        return new PrivateCopy(file, written, HexFormat.of().formatHex(digest.digest()));
    }

    /** @throws VerificationException {@link Reason#CONTENT_MISMATCH} unless length and digest are as declared */
    void requireMatch(long declaredLength, String declaredSha256) throws VerificationException {
        if (length != declaredLength) {
            throw new VerificationException(Reason.CONTENT_MISMATCH, "content is " + length + " bytes, the manifest "
                    + "declares " + declaredLength);
        }
        if (!MessageDigest.isEqual(HexFormat.of().parseHex(sha256), HexFormat.of().parseHex(declaredSha256))) {
            throw new VerificationException(Reason.CONTENT_MISMATCH, "content's sha256 is " + sha256
                    + ", the manifest declares " + declaredSha256);
        }
    }

    void delete() {
        delete(file);
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the incoming folder is swept at start; nothing else holds the file
        }
    }
}
