package io.edgegate.trust;

import java.io.InputStream;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides whether an artifact may be installed: its signed manifest must verify against the trust root
 * (threshold of distinct keys, pinned certificate anchors), match the content byte for byte, name this
 * gateway, not be expired and not be older than what was accepted before.
 */
@ProviderType
public interface ArtifactVerifier {

    /**
     * Verifies {@code content} against {@code manifest}, streaming it into a private copy; content longer than
     * the manifest says is cut off and refused.
     *
     * @param type what the caller is about to install
     * @param name the name it will be installed under; must be the signed name
     * @throws VerificationException with the reason; nothing is kept
     */
    VerifiedArtifact verify(ArtifactType type, String name, InputStream manifest, InputStream content)
            throws VerificationException;

    /**
     * Runs every check of {@link #verify} that needs no content (signatures, type and name, targets, expiry,
     * replay) without reading or keeping anything else: lets a caller refuse an upload before it starts. In
     * development mode a failing check is logged and a manifest that parses at all is returned.
     *
     * @throws VerificationException with the reason
     */
    CheckedManifest check(ArtifactType type, String name, InputStream manifest) throws VerificationException;

    /**
     * Records that a verified artifact was installed: its version becomes the highest accepted for its type and
     * name, persisted crash-safely, so that older versions are refused from now on, also after a restart.
     */
    void accept(VerifiedArtifact artifact) throws VerificationException;

    /**
     * Replaces the trust root with the next one: accepted only as exactly version N+1 and signed by a threshold
     * of root N's keys and of its own.
     *
     * @return the new root's version
     */
    long rotateRoot(InputStream newRoot) throws VerificationException;

    /** The trust root's version. */
    long rootVersion();

    /** Whether verification is enforced; {@code false} only in the explicit development mode. */
    boolean enforcing();
}
