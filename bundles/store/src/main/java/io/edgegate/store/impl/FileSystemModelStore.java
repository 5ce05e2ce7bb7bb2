package io.edgegate.store.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.model.TensorSpec;
import io.edgegate.store.ModelConfig;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelStoreListener;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.OptimizeConfig;
import io.edgegate.store.VersionPolicy;
import io.edgegate.trust.ArtifactVerifier;

/**
 * A model repository in Triton's layout, {@code <directory>/<name>/<version>/model.onnx}, watched for versions
 * that appear, change or go. A version whose files are corrupt is listed with its problem, never dropped
 * silently. Changes are pushed to {@link ModelStoreListener} services. A version is verified against its signed
 * manifest and installed as a private copy ({@link InstalledModels}) before it is listed as servable; the
 * copy is the file that gets loaded.
 */
@Component(configurationPid = FileSystemModelStore.PID)
@Designate(ocd = FileSystemModelStore.Config.class)
public final class FileSystemModelStore implements ModelStore {
    static final String PID = "io.edgegate.store";
    /** Framework property naming the gateway's home; relative model directories resolve against it. */
    static final String HOME_PROPERTY = "edgegate.home";

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemModelStore.class);

    @ObjectClassDefinition(name = "Edgegate model store", description = "Where the gateway finds its models.")
    public @interface Config {
        @AttributeDefinition(description = "Folder holding <name>/<version>/model.onnx; a relative path "
                + "resolves against the gateway home. Created if missing.")
        String directory() default "models";

        @AttributeDefinition(description = "Folder for the gateway's verified copies of model versions, the files "
                + "that are actually loaded; a relative path resolves against the gateway home.")
        String installDirectory() default "data/models";

        @AttributeDefinition(description = "How often to look for new, changed or removed versions, in "
                + "milliseconds; 0 looks only at start and on request (repository API).")
        long scanIntervalMs() default 1000;
    }

    private final Path root;
    private final InstalledModels installed;
    private final RepositoryScanner scanner;
    private final List<ModelStoreListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private volatile RepositoryScanner.Result state;

    @Activate
    public FileSystemModelStore(BundleContext context, Config config, @Reference ArtifactVerifier verifier)
            throws IOException {
        this(resolve(context.getProperty(HOME_PROPERTY), config.directory()),
                resolve(context.getProperty(HOME_PROPERTY), config.installDirectory()), verifier,
                config.scanIntervalMs());
    }

    /**
     * A store over {@code root}, scanned now and then every {@code scanIntervalMs} (0: only on {@link #rescan()}).
     *
     * @param installDirectory where verified copies of the versions are kept; they are what gets loaded
     * @param verifier decides which versions may be installed
     */
    public FileSystemModelStore(Path root, Path installDirectory, ArtifactVerifier verifier, long scanIntervalMs)
            throws IOException {
        if (scanIntervalMs < 0) {
            throw new IllegalArgumentException("scanIntervalMs must not be negative");
        }
        this.root = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(this.root)) {
            Files.createDirectories(this.root);
            LOG.info("Created empty model directory {}", this.root);
        }
        this.installed = new InstalledModels(installDirectory, verifier);
        this.scanner = new RepositoryScanner(this.root, new RepositoryScanner.Versions() {
            @Override
            public ModelVersion read(String name, long version, Path dir) {
                return readVersion(name, version, dir);
            }

            @Override
            public void removed(String name, long version) {
                installed.remove(name, version);
            }
        });
        this.state = scanner.scan(true);
        installed.retainOnly(state.versions().stream().map(v -> v.name() + "/" + v.version())
                .collect(java.util.stream.Collectors.toSet()));
        LOG.info("Model store {}: {} version(s) of {} model(s)", this.root, state.versions().size(),
                state.versions().stream().map(ModelVersion::name).distinct().count());
        if (scanIntervalMs > 0) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "edgegate-store-scanner");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(() -> scan(false), scanIntervalMs, scanIntervalMs, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    @Deactivate
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addListener(ModelStoreListener listener) {
        listeners.add(listener);
    }

    public void removeListener(ModelStoreListener listener) {
        listeners.remove(listener);
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
        return state.versions();
    }

    @Override
    public List<ModelVersion> versions(String model) {
        return state.versions().stream().filter(v -> v.name().equals(model)).toList();
    }

    @Override
    public Optional<ModelVersion> version(String model, long version) {
        return state.versions().stream().filter(v -> v.name().equals(model) && v.version() == version).findFirst();
    }

    @Override
    public VersionPolicy policy(String model) {
        return state.policies().getOrDefault(model, VersionPolicy.defaultPolicy());
    }

    @Override
    public void rescan() {
        scan(true);
    }

    @Override
    public void refresh(String model) {
        scanner.invalidate(model);
        scan(true);
    }

    private void scan(boolean settleNow) {
        Set<String> changed;
        try {
            RepositoryScanner.Result result = scanner.scan(settleNow);
            state = result;
            changed = result.changed();
        } catch (IOException | RuntimeException e) {
            LOG.error("Scanning {} failed: {}", root, e.toString());
            return;
        }
        if (changed.isEmpty()) {
            return;
        }
        LOG.debug("Models changed on disk: {}", changed);
        for (ModelStoreListener l : listeners) {
            try {
                l.modelsChanged(changed);
            } catch (RuntimeException e) {
                LOG.error("A model store listener failed: {}", e.toString(), e);
            }
        }
    }

    /**
     * Reads one version folder, verifying and installing it first; never throws: what is wrong becomes the
     * version's problem.
     */
    ModelVersion readVersion(String name, long version, Path dir) {
        Path source = dir.resolve(MODEL_FILE);
        if (!Files.isRegularFile(source)) {
            return failed(name, version, source, null, 0, "no " + MODEL_FILE + " in " + dir);
        }
        long size;
        String sha256;
        try {
            size = Files.size(source);
            sha256 = sha256(source);
        } catch (IOException e) {
            return failed(name, version, source, null, 0, "cannot read " + source + ": " + e.getMessage());
        }
        Path model;
        try {
            model = installed.install(name, version, dir, sha256);
        } catch (InstalledModels.Refused e) {
            return failed(name, version, source, sha256, size, "not installed, signature check failed: "
                    + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return failed(name, version, source, sha256, size, "cannot install a verified copy in "
                    + installed.directory() + ": " + e);
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
                    declared.interOpThreads, ModelConfig.Source.MODEL_JSON, declared.optimize);
        }
        // An accepted variant serves instead of the signed model only when model.json asks for it; it was made here
        // from the verified copy above (the report names that copy's sha256), so it needs no signature of its own.
        Optional<ServedVariants.Found> variant = config.optimize().filter(OptimizeConfig::serve)
                .flatMap(o -> ServedVariants.find(name, version, model, sha256, o));
        if (variant.isPresent()) {
            LOG.info("Model {} version {} serves its {} variant {} ({} bytes instead of {})", name, version,
                    variant.get().variant().recipe(), variant.get().variant().key(), variant.get().variant().size(),
                    size);
            return new ModelVersion(name, version, variant.get().file(), sha256, size, config, null, model,
                    variant.get().variant());
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
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
