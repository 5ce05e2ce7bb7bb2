package io.edgegate.store;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** The model repository on disk. */
@ProviderType
public interface ModelStore {

    /** File name of a version's model. */
    String MODEL_FILE = "model.onnx";

    /**
     * File name of a version's signed manifest (docs/signing.md), beside {@link #MODEL_FILE}: a version is served
     * only once its manifest verifies, unless the trust bundle runs in development mode.
     */
    String MANIFEST_FILE = MODEL_FILE + ".manifest.json";

    /** File name of a version's optional configuration. */
    String CONFIG_FILE = "model.json";

    /**
     * Folder of a version's optimized variants, beside its verified copy ({@link ModelVersion#sourceFile()}): one
     * folder per variant key ({@link OptimizeConfig#variantKey}) holding {@link #MODEL_FILE} (while the variant is
     * accepted) and {@link #VARIANT_REPORT}. Removed with the version.
     */
    String VARIANTS_FOLDER = "variants";

    /**
     * A variant's report, JSON written by the optimizer; the store reads {@code outcome} ({@code "ACCEPTED"}),
     * {@code key}, {@code recipe}, {@code source.sha256} and {@code variant.sha256} of it to decide whether a version
     * may serve the variant.
     */
    String VARIANT_REPORT = "report.json";

    /** The repository's root folder. */
    Path root();

    /** Every version of every model, ordered by name then version; a snapshot. */
    List<ModelVersion> versions();

    /** The versions of one model, oldest first; empty if no such model. */
    List<ModelVersion> versions(String model);

    /** One version, if present. */
    Optional<ModelVersion> version(String model, long version);

    /** The model's version policy, from {@code <root>/<model>/model.json}; the newest version by default. */
    VersionPolicy policy(String model);

    /**
     * Looks at the disk now rather than at the next periodic scan, and tells the listeners what changed
     * before returning.
     */
    void rescan();

    /**
     * Reads the versions of one model again now, even though its repository files did not change (an accepted
     * variant appeared beside its verified copy, or went), and tells the listeners before returning, as after a
     * change on disk.
     */
    void refresh(String model);
}
