package io.edgegate.trust;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A manifest that passed every check that needs no content ({@link ArtifactVerifier#check}): what it promises
 * about the artifact, so that a caller can refuse early and know how many bytes to expect. Nothing is installed
 * on the strength of it; the content is verified later by {@link ArtifactVerifier#verify}.
 *
 * @param type what it is
 * @param name its name, as signed
 * @param version its version, as signed
 * @param sha256 lower-case hex digest the content must have
 * @param length the length the content must have, in bytes
 * @param expires when the manifest stops being valid
 * @param signers ids of the distinct trusted keys whose signatures counted; empty when passed through in
 *        development mode
 */
public record CheckedManifest(ArtifactType type, String name, long version, String sha256, long length,
        Instant expires, List<String> signers) {
    public CheckedManifest {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        signers = List.copyOf(signers);
    }
}
