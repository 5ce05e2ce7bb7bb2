package io.edgegate.trust;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An artifact that passed verification. {@link #file()} is the gateway's private copy, written while it was
 * checked: install that file, never the path it came from, which could change after the check.
 *
 * @param type what it is
 * @param name its name, as signed
 * @param version its version, as signed (monotonic per type and name)
 * @param sha256 lower-case hex digest of the content
 * @param length the content's length in bytes
 * @param expires when the manifest stops being valid
 * @param signers ids of the distinct trusted keys whose signatures counted
 * @param rollback whether a signed rollback directive allowed a version that is not newer
 * @param file the private, verified copy
 */
public record VerifiedArtifact(ArtifactType type, String name, long version, String sha256, long length,
        Instant expires, List<String> signers, boolean rollback, Path file) {
    public VerifiedArtifact {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(file, "file");
        signers = List.copyOf(signers);
    }
}
