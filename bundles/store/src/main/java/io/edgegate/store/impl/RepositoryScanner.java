package io.edgegate.store.impl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.VersionPolicy;

/**
 * Walks the model folder and tells what changed since the last walk. Files are only read (and hashed) when
 * their size or modification time changed; a version whose files are still changing is taken only once they
 * look the same on two walks in a row, so a model copied in slowly is not read half-written.
 */
final class RepositoryScanner {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryScanner.class);
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

    /** What a walk found. */
    record Result(List<ModelVersion> versions, Map<String, VersionPolicy> policies, Set<String> changed) {
    }

    /** Reads the versions the scanner finds and hears of the ones that went. */
    interface Versions {
        /** Reads one version folder; never throws: what is wrong becomes the version's problem. */
        ModelVersion read(String name, long version, Path dir);

        /** The folder of a version that was read before is gone. */
        void removed(String name, long version);
    }

    /** Size and modification time of a version's three files (-1 when absent). */
    private record Fingerprint(long modelSize, long modelTime, long jsonSize, long jsonTime, long manifestSize,
            long manifestTime) {
        static Fingerprint of(Path dir) {
            long[] m = stat(dir.resolve(ModelStore.MODEL_FILE));
            long[] j = stat(dir.resolve(ModelStore.CONFIG_FILE));
            long[] s = stat(dir.resolve(ModelStore.MANIFEST_FILE));
            return new Fingerprint(m[0], m[1], j[0], j[1], s[0], s[1]);
        }
    }

    private record Known<T>(Fingerprint fingerprint, T value) {
    }

    /** Matches no version folder: a version known with it is read again at the next walk. */
    private static final Fingerprint STALE = new Fingerprint(-2, -2, -2, -2, -2, -2);

    private final Path root;
    private final Versions reader;
    private final Map<Path, Known<ModelVersion>> versions = new HashMap<>();
    private final Map<Path, Fingerprint> unsettled = new HashMap<>();
    private final Map<Path, Known<VersionPolicy>> policies = new HashMap<>();
    private final Set<Path> warned = new HashSet<>();

    RepositoryScanner(Path root, Versions reader) {
        this.root = root;
        this.reader = reader;
    }

    /**
     * @param settleNow take changed versions at once instead of waiting for a second look (at start, or when
     *        an operator asks for a load)
     */
    synchronized Result scan(boolean settleNow) throws IOException {
        List<ModelVersion> found = new ArrayList<>();
        Map<String, VersionPolicy> policyOf = new HashMap<>();
        Set<String> changed = new TreeSet<>();
        Set<Path> seen = new HashSet<>();
        for (Path modelDir : list(root)) {
            String name = modelDir.getFileName().toString();
            if (!Files.isDirectory(modelDir) || name.startsWith(".")) {
                // dot-folders are work in progress (a deploy being staged) or hidden: not models
                continue;
            }
            if (!MODEL_NAME.matcher(name).matches()) {
                warnOnce(modelDir, "a model name is 1-128 letters, digits, '.', '_' or '-'");
                continue;
            }
            seen.add(modelDir);
            policyOf.put(name, policy(modelDir, name, changed));
            // oldest first: a newer version accepted first would make the older ones look like replays
            List<Path> versionDirs = list(modelDir);
            versionDirs.sort(Comparator.comparing((Path p) -> p.getFileName().toString().length())
                    .thenComparing(p -> p.getFileName().toString()));
            for (Path versionDir : versionDirs) {
                String v = versionDir.getFileName().toString();
                if (!Files.isDirectory(versionDir) || v.startsWith(".")) {
                    continue;
                }
                if (!VERSION.matcher(v).matches()) {
                    warnOnce(versionDir, "a version folder is named by a positive integer");
                    continue;
                }
                seen.add(versionDir);
                Fingerprint fp = Fingerprint.of(versionDir);
                Known<ModelVersion> known = versions.get(versionDir);
                if (known != null && known.fingerprint().equals(fp)) {
                    found.add(known.value());
                } else if (settleNow || fp.equals(unsettled.get(versionDir))) {
                    ModelVersion read = reader.read(name, Long.parseLong(v), versionDir);
                    versions.put(versionDir, new Known<>(fp, read));
                    unsettled.remove(versionDir);
                    found.add(read);
                    changed.add(name);
                } else {
                    unsettled.put(versionDir, fp);
                    if (known != null) {
                        found.add(known.value());
                    }
                }
            }
        }
        for (Path gone : new ArrayList<>(versions.keySet())) {
            if (!seen.contains(gone)) {
                versions.remove(gone);
                changed.add(gone.getParent().getFileName().toString());
                reader.removed(gone.getParent().getFileName().toString(),
                        Long.parseLong(gone.getFileName().toString()));
                LOG.info("Model {} version {} removed from disk", gone.getParent().getFileName(), gone.getFileName());
            }
        }
        unsettled.keySet().retainAll(seen);
        policies.keySet().retainAll(seen);
        warned.retainAll(seen);
        found.sort(Comparator.comparing(ModelVersion::name).thenComparingLong(ModelVersion::version));
        return new Result(List.copyOf(found), Map.copyOf(policyOf), changed);
    }

    /** The next walk reads every version of {@code name} again, as if its files had changed. */
    synchronized void invalidate(String name) {
        versions.replaceAll((dir, known) -> dir.getParent().getFileName().toString().equals(name)
                ? new Known<>(STALE, known.value()) : known);
    }

    private VersionPolicy policy(Path modelDir, String name, Set<String> changed) {
        Path file = modelDir.resolve(ModelStore.CONFIG_FILE);
        long[] st = stat(file);
        Fingerprint fp = new Fingerprint(st[0], st[1], -1, -1, -1, -1);
        Known<VersionPolicy> known = policies.get(modelDir);
        if (known != null && known.fingerprint().equals(fp)) {
            return known.value();
        }
        VersionPolicy policy;
        try {
            policy = PolicyJson.read(file);
        } catch (IOException e) {
            LOG.error("Model {}: {}; serving the newest version only", name, e.getMessage());
            policy = VersionPolicy.defaultPolicy();
        }
        if (known != null && !known.value().equals(policy)) {
            LOG.info("Model {}: version policy is now {}", name, policy);
            changed.add(name);
        }
        policies.put(modelDir, new Known<>(fp, policy));
        return policy;
    }

    private void warnOnce(Path path, String why) {
        if (warned.add(path)) {
            LOG.warn("Ignoring {}: {}", path, why);
        }
    }

    private static long[] stat(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new long[] {a.size(), a.lastModifiedTime().to(TimeUnit.MICROSECONDS)};
        } catch (IOException e) {
            return new long[] {-1, -1};
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(entries::add);
        } catch (NoSuchFileException e) {
            // removed while we looked: nothing there
        }
        return entries;
    }
}
