package io.edgegate.shell.impl;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ProviderStatus;

/** What the shell commands print for model versions and accelerator providers. Pure: no service, no I/O. */
final class StatusTables {
    static final String NO_MODELS = "No models.";
    static final String NO_PROVIDERS = "No accelerator providers.";
    /** Hex digits of a SHA-256 shown: enough to tell two versions apart at a glance. */
    static final int HASH_CHARS = 12;

    private static final Comparator<ModelStatus> BY_NAME_VERSION =
            Comparator.comparing(ModelStatus::name).thenComparingLong(ModelStatus::version);
    private static final Comparator<ProviderStatus> BY_RANKING =
            Comparator.comparingInt(ProviderStatus::ranking).reversed().thenComparing(ProviderStatus::id);

    private StatusTables() {
    }

    /** One row per model version, by name then version; {@link #NO_MODELS} for none. */
    static String models(Collection<ModelStatus> models) {
        if (models.isEmpty()) {
            return NO_MODELS;
        }
        Table table = new Table("MODEL", "VERSION", "STATE", "PROVIDER", "SHA256", "REASON");
        for (ModelStatus m : models.stream().sorted(BY_NAME_VERSION).toList()) {
            table.row(m.name(), m.version(), m.state(), m.provider().orElse(null),
                    m.sha256().map(StatusTables::shortHash).orElse(null), m.reason().orElse(""));
        }
        return table.render();
    }

    /** One row per provider, highest ranking first; {@link #NO_PROVIDERS} for none. */
    static String providers(Collection<ProviderStatus> providers) {
        if (providers.isEmpty()) {
            return NO_PROVIDERS;
        }
        Table table = new Table("ID", "RANKING", "AVAILABLE", "DEVICES", "VERSIONS");
        for (ProviderStatus p : providers.stream().sorted(BY_RANKING).toList()) {
            List<String> devices = p.devices();
            table.row(p.id(), p.ranking(), p.available() ? "yes" : "no",
                    devices.isEmpty() ? null : String.join(",", devices), p.versions());
        }
        return table.render();
    }

    static String shortHash(String sha256) {
        return sha256.length() <= HASH_CHARS ? sha256 : sha256.substring(0, HASH_CHARS);
    }
}
