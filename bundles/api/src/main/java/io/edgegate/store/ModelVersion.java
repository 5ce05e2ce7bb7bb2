package io.edgegate.store;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One version of a model as found on disk. A version whose files could not be read is still listed,
 * with {@link #problem()} saying why, so that operators see it rather than have it vanish.
 */
public final class ModelVersion {
    private final String name;
    private final long version;
    private final Path modelFile;
    private final String sha256;
    private final long size;
    private final ModelConfig config;
    private final String problem;
    private final Path sourceFile;
    private final ServedVariant variant;

    public ModelVersion(String name, long version, Path modelFile, String sha256, long size,
            ModelConfig config, String problem) {
        this(name, version, modelFile, sha256, size, config, problem, modelFile, null);
    }

    /**
     * A version that may serve an optimized variant of itself.
     *
     * @param modelFile the file to load: the variant's when {@code variant} is given, else {@code sourceFile}
     * @param sha256 the sha256 of the signed model (not of the variant)
     * @param size the size of the signed model
     * @param sourceFile the verified copy of the signed model
     * @param variant the variant that serves instead of it, or {@code null}
     */
    public ModelVersion(String name, long version, Path modelFile, String sha256, long size,
            ModelConfig config, String problem, Path sourceFile, ServedVariant variant) {
        this.name = Objects.requireNonNull(name, "name");
        this.version = version;
        this.modelFile = Objects.requireNonNull(modelFile, "modelFile");
        this.sha256 = sha256;
        this.size = size;
        this.config = Objects.requireNonNull(config, "config");
        this.problem = problem;
        this.sourceFile = Objects.requireNonNull(sourceFile, "sourceFile");
        this.variant = variant;
    }

    public String name() {
        return name;
    }

    public long version() {
        return version;
    }

    /**
     * The file to load: the gateway's verified private copy of {@code model.onnx}, an accepted optimized variant of
     * it ({@link #variant()}), or the repository's own file when the version was not installed (then
     * {@link #problem()} says why).
     */
    public Path modelFile() {
        return modelFile;
    }

    /**
     * The gateway's verified private copy of the signed {@code model.onnx} (what optimized variants are made from);
     * the same as {@link #modelFile()} unless a variant serves.
     */
    public Path sourceFile() {
        return sourceFile;
    }

    /** The optimized variant that serves instead of the signed model, if any. */
    public Optional<ServedVariant> variant() {
        return Optional.ofNullable(variant);
    }

    /** Lower-case hex sha256 of the signed model file; {@code null} if it could not be read. */
    public String sha256() {
        return sha256;
    }

    /** Size of the signed model file in bytes. */
    public long size() {
        return size;
    }

    /** What {@code model.json} declares, completed from the ONNX graph where it is silent. */
    public ModelConfig config() {
        return config;
    }

    /** Why this version cannot be served, if its files are unreadable or corrupt. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    @Override
    public String toString() {
        return name + "/" + version;
    }
}
