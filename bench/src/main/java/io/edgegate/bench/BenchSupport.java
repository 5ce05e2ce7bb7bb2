package io.edgegate.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/** What every bench main needs: options, the assembled distribution, the machine's load, file clean-up. */
final class BenchSupport {

    private BenchSupport() {
    }

    /** {@code --name=value} from the arguments, else system property {@code bench.name}, else the default. */
    static String option(String[] args, String name, String defaultValue) {
        String prefix = "--" + name + "=";
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return arg.substring(prefix.length());
            }
        }
        return System.getProperty("bench." + name, defaultValue);
    }

    /** {@link #option} as an integer of at least {@code min}. */
    static int intOption(String[] args, String name, int defaultValue, int min) {
        int value = Integer.parseInt(option(args, name, Integer.toString(defaultValue)));
        if (value < min) {
            throw new IllegalArgumentException("--" + name + " must be at least " + min + ", not " + value);
        }
        return value;
    }

    /** The given gateway folder, or the single {@code distribution/target/edgegate-*} folder. */
    static Path distribution(String given) throws IOException {
        if (given != null) {
            return Path.of(given).toAbsolutePath();
        }
        Path target = Path.of("distribution", "target").toAbsolutePath();
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> found = Files.newDirectoryStream(target,
                    p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("edgegate-")
                            && Files.isRegularFile(p.resolve("bin").resolve("edgegate")))) {
                for (Path p : found) {
                    return p;
                }
            }
        }
        throw new IOException("no assembled gateway under " + target + "; run from the repository root after "
                + "'mvn package -pl distribution -am', or pass --dist=DIR");
    }

    /**
     * The 1, 5 and 15 minute load averages: with other work on the machine the latencies mean little, and
     * this is how a reader of the output can tell.
     */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return String.join(" ", fields[0], fields[1], fields[2]);
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Resident set size of a process, from {@code /proc/<pid>/status}, in bytes. */
    static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.trim().split("\\s+");
                return Long.parseLong(parts[1]) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Copies a folder tree, leaving out the top-level entries named in {@code skip}. */
    static void copyTree(Path from, Path to, String... skip) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = from.relativize(p);
                if (rel.getNameCount() > 0 && Stream.of(skip).anyMatch(s -> s.equals(rel.getName(0).toString()))) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    static double mb(long bytes) {
        return bytes / 1e6;
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
