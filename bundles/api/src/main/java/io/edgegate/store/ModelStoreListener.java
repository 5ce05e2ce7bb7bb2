package io.edgegate.store;

import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when models change on disk: a version folder appeared, disappeared or its files changed. Register
 * implementations as OSGi services (whiteboard); the store calls them from its scanner thread, so they should
 * hand work off rather than block.
 */
@ConsumerType
public interface ModelStoreListener {
    /** @param models the names of the models whose versions changed (a model may now have no versions) */
    void modelsChanged(Set<String> models);
}
