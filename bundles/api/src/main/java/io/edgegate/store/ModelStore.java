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
}
