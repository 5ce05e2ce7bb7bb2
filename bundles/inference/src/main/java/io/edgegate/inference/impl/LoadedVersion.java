package io.edgegate.inference.impl;

import java.util.List;
import java.util.Map;

import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.model.TensorSpec;
import io.edgegate.store.ModelVersion;

/**
 * One model version's current state, replaced as a whole on every change so that readers see a
 * consistent snapshot. A READY version carries its session handle and the tensor specs its session reports.
 */
record LoadedVersion(ModelVersion source, State state, String reason, String provider, SessionHandle handle,
        Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {

    static LoadedVersion loading(ModelVersion source, String reason) {
        return new LoadedVersion(source, State.LOADING, reason, null, null, Map.of(), Map.of());
    }

    static LoadedVersion failed(ModelVersion source, String reason, String provider) {
        return new LoadedVersion(source, State.FAILED, reason, provider, null, Map.of(), Map.of());
    }

    ModelStatus status() {
        List<TensorSpec> in = handle != null ? List.copyOf(inputs.values()) : source.config().inputs();
        List<TensorSpec> out = handle != null ? List.copyOf(outputs.values()) : source.config().outputs();
        return new ModelStatus(source.name(), source.version(), state, reason, provider, source.sha256(), in, out);
    }
}
