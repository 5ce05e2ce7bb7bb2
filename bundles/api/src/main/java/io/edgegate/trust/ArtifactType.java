package io.edgegate.trust;

import java.util.Locale;

/** What an artifact is; a manifest for one type is never accepted for another. */
public enum ArtifactType {
    MODEL,
    BUNDLE,
    TRUST_ROOT;

    /** The name used in manifests: {@code model}, {@code bundle}, {@code trust-root}. */
    public String manifestName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @throws IllegalArgumentException naming the unknown type */
    public static ArtifactType fromManifestName(String name) {
        for (ArtifactType t : values()) {
            if (t.manifestName().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown artifact type '" + name + "'; known: model, bundle, trust-root");
    }
}
