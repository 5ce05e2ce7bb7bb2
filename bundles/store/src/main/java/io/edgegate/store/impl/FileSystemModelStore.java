package io.edgegate.store.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.model.TensorSpec;
import io.edgegate.store.ModelConfig;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;

/**
 * A model repository in Triton's layout, {@code <directory>/<name>/<version>/model.onnx}, read once at
 * activation. A version whose files are corrupt is listed with its problem, never dropped silently.
 */
@Component(configurationPid = FileSystemModelStore.PID)
@Designate(ocd = FileSystemModelStore.Config.class)
public final class FileSystemModelStore implements ModelStore {
    static final String PID = "io.edgegate.store";
    /** Framework property naming the gateway's home; relative model directories resolve against it. */
    static final String HOME_PROPERTY = "edgegate.home";

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemModelStore.class);
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

    @ObjectClassDefinition(name = "Edgegate model store", description = "Where the gateway finds its models.")
    public @interface Config {
        @AttributeDefinition(description = "Folder holding <name>/<version>/model.onnx; a relative path "
                + "resolves against the gateway home. Created if missing.")
        String directory() default "models";
    }

    private final Path root;
    private final List<ModelVersion> versions;

    @Activate
    public FileSystemModelStore(BundleContext context, Config config) throws IOException {
        this(resolve(context.getProperty(HOME_PROPERTY), config.directory()));
    }

    /** A store over {@code root}, scanned now; the folder is created if missing. */
    public FileSystemModelStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(this.root)) {
            Files.createDirectories(this.root);
            LOG.info("Created empty model directory {}", this.root);
        }
        this.versions = List.copyOf(scan(this.root));
        LOG.info("Model store {}: {} version(s) of {} model(s)", this.root, versions.size(),
                versions.stream().map(ModelVersion::name).distinct().count());
    }

    static Path resolve(String home, String directory) {
        Path dir = Paths.get(directory);
        if (dir.isAbsolute()) {
            return dir;
        }
        return Paths.get(home != null ? home : System.getProperty("user.dir")).resolve(dir);
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public List<ModelVersion> versions() {
        return versions;
    }

    @Override
    public List<ModelVersion> versions(String model) {
        return versions.stream().filter(v -> v.name().equals(model)).toList();
    }

    @Override
    public Optional<ModelVersion> version(String model, long version) {
        return versions.stream().filter(v -> v.name().equals(model) && v.version() == version).findFirst();
    }

    private static List<ModelVersion> scan(Path root) throws IOException {
        List<ModelVersion> found = new ArrayList<>();
        for (Path modelDir : list(root)) {
            String name = modelDir.getFileName().toString();
            if (!Files.isDirectory(modelDir)) {
                continue;
            }
            if (!MODEL_NAME.matcher(name).matches()) {
                LOG.warn("Ignoring {}: a model name is 1-128 letters, digits, '.', '_' or '-'", modelDir);
                continue;
            }
            for (Path versionDir : list(modelDir)) {
                String v = versionDir.getFileName().toString();
                if (!Files.isDirectory(versionDir)) {
                    continue;
                }
                if (!VERSION.matcher(v).matches()) {
                    LOG.warn("Ignoring {}: a version folder is named by a positive integer", versionDir);
                    continue;
                }
                found.add(readVersion(name, Long.parseLong(v), versionDir));
            }
        }
        found.sort(Comparator.comparing(ModelVersion::name).thenComparingLong(ModelVersion::version));
        return found;
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(entries::add);
        }
        return entries;
    }

    static ModelVersion readVersion(String name, long version, Path dir) {
        Path model = dir.resolve(MODEL_FILE);
        if (!Files.isRegularFile(model)) {
            return failed(name, version, model, null, 0, "no " + MODEL_FILE + " in " + dir);
        }
        long size;
        String sha256;
        try {
            size = Files.size(model);
            sha256 = sha256(model);
        } catch (IOException e) {
            return failed(name, version, model, null, 0, "cannot read " + model + ": " + e.getMessage());
        }
        ModelJson declared = null;
        Path json = dir.resolve(CONFIG_FILE);
        if (Files.exists(json)) {
            try {
                declared = ModelJson.read(json);
            } catch (IOException e) {
                return failed(name, version, model, sha256, size, e.getMessage());
            }
        }
        OnnxGraphReader.Graph graph;
        try {
            graph = OnnxGraphReader.read(model);
        } catch (IOException | RuntimeException e) {
            return failed(name, version, model, sha256, size,
                    MODEL_FILE + " is not a readable ONNX model: " + e.getMessage());
        }
        ModelConfig config;
        if (declared == null) {
            config = new ModelConfig(graph.inputs(), graph.outputs(), List.of(), 0, 0,
                    ModelConfig.Source.ONNX_GRAPH);
        } else {
            List<TensorSpec> in = declared.inputs.isEmpty() ? graph.inputs() : declared.inputs;
            List<TensorSpec> out = declared.outputs.isEmpty() ? graph.outputs() : declared.outputs;
            config = new ModelConfig(in, out, declared.providers, declared.intraOpThreads,
                    declared.interOpThreads, ModelConfig.Source.MODEL_JSON);
        }
        return new ModelVersion(name, version, model, sha256, size, config, null);
    }

    private static ModelVersion failed(String name, long version, Path model, String sha256, long size,
            String problem) {
        LOG.error("Model {} version {} cannot be served: {}", name, version, problem);
        return new ModelVersion(name, version, model, sha256, size, ModelConfig.empty(), problem);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
