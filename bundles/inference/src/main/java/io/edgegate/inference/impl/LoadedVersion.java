package io.edgegate.inference.impl;

import java.util.List;
import java.util.Map;

import io.edgegate.accelerator.spi.AcceleratorProvider;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.model.TensorSpec;
import io.edgegate.store.ModelVersion;

/**
 * One model version's current state, replaced as a whole on every change so that readers see a consistent
 * snapshot. A READY or DRAINING version carries its session handle, the provider whose configuration built
 * the session, and the tensor specs the session reports.
 */
record LoadedVersion(ModelVersion source, State state, String reason, AcceleratorProvider provider,
        SessionHandle handle, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {

    static final String WAITING = "waiting for an accelerator provider";

    static LoadedVersion loading(ModelVersion source, String reason) {
        return new LoadedVersion(source, State.LOADING, reason, null, null, Map.of(), Map.of());
    }

    static LoadedVersion failed(ModelVersion source, String reason, AcceleratorProvider provider) {
        return new LoadedVersion(source, State.FAILED, reason, provider, null, Map.of(), Map.of());
    }

    static LoadedVersion unloaded(ModelVersion source) {
        return new LoadedVersion(source, State.UNLOADED, "unloaded on request", null, null, Map.of(), Map.of());
    }

    long version() {
        return source.version();
    }

    boolean isWaiting() {
        return state == State.LOADING && WAITING.equals(reason);
    }

    LoadedVersion draining(String why) {
        return new LoadedVersion(source, State.DRAINING, why, provider, handle, inputs, outputs);
    }

    ModelStatus status() {
        List<TensorSpec> in = handle != null ? List.copyOf(inputs.values()) : source.config().inputs();
        List<TensorSpec> out = handle != null ? List.copyOf(outputs.values()) : source.config().outputs();
        return new ModelStatus(source.name(), source.version(), state, reason,
                provider != null ? provider.id() : null, source.sha256(), in, out);
    }
}
