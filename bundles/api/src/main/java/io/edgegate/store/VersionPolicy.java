package io.edgegate.store;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which versions of a model serve, as in Triton: the newest {@code n} (default 1), a specific list, or all.
 * Declared in the model folder's own {@code models/<name>/model.json}:
 * {@code {"version_policy": {"latest": {"num_versions": 2}}}}, {@code {"specific": {"versions": [1, 3]}}}
 * or {@code {"all": {}}}. "Newest" counts versions that loaded: a version that fails never displaces one
 * that serves.
 */
public final class VersionPolicy {
    /** The kinds of policy. */
    public enum Kind {
        LATEST,
        SPECIFIC,
        ALL
    }

    private static final VersionPolicy DEFAULT = latest(1);

    private final Kind kind;
    private final int latest;
    private final Set<Long> versions;

    private VersionPolicy(Kind kind, int latest, Set<Long> versions) {
        this.kind = kind;
        this.latest = latest;
        this.versions = Set.copyOf(versions);
    }

    public static VersionPolicy latest(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("num_versions must be at least 1");
        }
        return new VersionPolicy(Kind.LATEST, n, Set.of());
    }

    public static VersionPolicy specific(Set<Long> versions) {
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("a specific policy lists at least one version");
        }
        return new VersionPolicy(Kind.SPECIFIC, 0, versions);
    }

    public static VersionPolicy all() {
        return new VersionPolicy(Kind.ALL, 0, Set.of());
    }

    /** The newest version only. */
    public static VersionPolicy defaultPolicy() {
        return DEFAULT;
    }

    public Kind kind() {
        return kind;
    }

    /** How many of the newest loaded versions serve, for {@link Kind#LATEST}. */
    public int latest() {
        return latest;
    }

    /** The versions that serve, for {@link Kind#SPECIFIC}; sorted. */
    public Set<Long> versions() {
        return new TreeSet<>(versions);
    }

    /** Whether a version is a candidate at all (LATEST and ALL take every version; SPECIFIC its list). */
    public boolean admits(long version) {
        return kind != Kind.SPECIFIC || versions.contains(version);
    }

    /**
     * Of the versions that loaded, those that serve.
     *
     * @param loaded versions that are ready, any order
     */
    public List<Long> serving(List<Long> loaded) {
        List<Long> sorted = loaded.stream().filter(this::admits).sorted().toList();
        if (kind == Kind.LATEST && sorted.size() > latest) {
            return sorted.subList(sorted.size() - latest, sorted.size());
        }
        return sorted;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionPolicy p && kind == p.kind && latest == p.latest && versions.equals(p.versions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, latest, versions);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case LATEST -> "latest " + latest;
            case SPECIFIC -> "versions " + versions();
            case ALL -> "all";
        };
    }
}
