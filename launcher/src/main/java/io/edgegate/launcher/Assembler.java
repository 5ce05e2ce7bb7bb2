package io.edgegate.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Build step of {@code distribution/}: lays out the gateway folder from the feature files and writes the
 * tarball. Every bundle a feature lists must have been resolved by Maven into {@code --deps}; nothing else
 * goes into {@code bundles/}, so adding a capability means adding a feature file (and its dependency).
 */
@Command(name = "assemble", mixinStandardHelpOptions = true)
public final class Assembler implements Callable<Integer> {
    @Option(names = "--deps", required = true, description = "Folders of jars Maven resolved (bundles, features).")
    List<Path> deps;
    @Option(names = "--lib", required = true, description = "The launcher's class path jars.")
    Path lib;
    @Option(names = "--features-jar", required = true)
    Path featuresJar;
    @Option(names = "--config", required = true)
    Path config;
    @Option(names = "--files", required = true, description = "Files copied as they are (bin/, ...).")
    Path files;
    @Option(names = "--trust-root", description = "The trust root to ship as config/trust-root.json.")
    Path trustRoot;

    @Option(names = "--model", description = "NAME=FILE: a model shipped as models/NAME/1/model.onnx.")
    List<String> models = new ArrayList<>();
    @Option(names = "--out", required = true)
    Path out;
    @Option(names = "--tar", required = true)
    Path tar;

    public static void main(String[] args) {
        int rc = new CommandLine(new Assembler()).execute(args);
        if (rc != 0) {
            throw new IllegalStateException("assembly failed");
        }
    }

    @Override
    public Integer call() throws IOException {
        deleteTree(out);
        Files.createDirectories(out);
        copyTree(files, out);
        copyTree(config, out.resolve("config"));
        copyTree(lib, out.resolve("lib"));
        Path bundles = Files.createDirectories(out.resolve("bundles"));
        Path featureDir = Files.createDirectories(out.resolve("features"));
        Set<Feature.Artifact> wanted = new LinkedHashSet<>();
        try (ZipFile zip = new ZipFile(featuresJar.toFile())) {
            List<? extends ZipEntry> entries = zip.stream()
                    .filter(e -> e.getName().startsWith("features/") && e.getName().endsWith(".json")).toList();
            for (ZipEntry e : entries) {
                Path target = featureDir.resolve(e.getName().substring("features/".length()));
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, target);
                }
                try (InputStream in = Files.newInputStream(target)) {
                    wanted.addAll(Feature.read(in, e.getName()).bundles());
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (Feature.Artifact a : wanted) {
            Path jar = deps.stream().map(d -> d.resolve(a.fileName())).filter(Files::isRegularFile).findFirst()
                    .orElse(null);
            if (jar != null) {
                Files.copy(jar, bundles.resolve(a.fileName()));
            } else {
                missing.add(a.toString());
            }
        }
        if (!missing.isEmpty()) {
            System.err.println("Features list bundles that distribution/pom.xml does not depend on: " + missing);
            return 1;
        }
        for (String m : models) {
            int eq = m.indexOf('=');
            Path target = out.resolve("models").resolve(m.substring(0, eq)).resolve("1").resolve("model.onnx");
            Files.createDirectories(target.getParent());
            Path source = Path.of(m.substring(eq + 1));
            Files.copy(source, target);
            // its signed manifest, as edgectl sign names it
            Path manifest = source.resolveSibling(source.getFileName() + ".manifest.json");
            if (Files.isRegularFile(manifest)) {
                Files.copy(manifest, target.resolveSibling(target.getFileName() + ".manifest.json"));
            }
        }
        if (trustRoot != null) {
            Files.copy(trustRoot, out.resolve("config").resolve("trust-root.json"));
        }
        Files.createDirectories(out.resolve("models"));
        writeTar();
        System.out.printf(Locale.ROOT, "[edgegate] %s: %d bundles, %.1f MB%n", tar.getFileName(), wanted.size(),
                Files.size(tar) / 1e6);
        return 0;
    }

    private void writeTar() throws IOException {
        String root = out.getFileName().toString();
        try (OutputStream fo = Files.newOutputStream(tar);
                GZIPOutputStream gz = new GZIPOutputStream(fo, 1 << 16);
                TarArchiveOutputStream t = new TarArchiveOutputStream(gz)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            List<Path> all;
            try (Stream<Path> s = Files.walk(out)) {
                all = s.sorted().toList();
            }
            for (Path p : all) {
                String name = root + "/" + out.relativize(p).toString().replace('\\', '/');
                boolean dir = Files.isDirectory(p);
                TarArchiveEntry e = new TarArchiveEntry(dir ? name + "/" : name);
                e.setMode(dir || Files.isExecutable(p) ? 0755 : 0644);
                if (!dir) {
                    e.setSize(Files.size(p));
                }
                t.putArchiveEntry(e);
                if (!dir) {
                    Files.copy(p, t);
                }
                t.closeArchiveEntry();
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                if (file.getParent().getFileName().toString().equals("bin")) {
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
