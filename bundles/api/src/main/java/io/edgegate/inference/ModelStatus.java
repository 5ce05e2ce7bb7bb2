package io.edgegate.inference;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.edgegate.model.TensorSpec;

/** What the gateway knows of one model version: its state, why it failed, what runs it. */
public final class ModelStatus {
    /** Life cycle of a loaded model version. */
    public enum State {
        /** A session is being created. */
        LOADING,
        /** Serving requests. */
        READY,
        /** Could not be loaded or warmed up; see {@link ModelStatus#reason()}. Never takes traffic. */
        FAILED,
        /** Replaced: finishes the requests already running on it, then its session is closed. */
        DRAINING,
        /** Unloaded on request (repository API); {@code load} brings it back. */
        UNLOADED
    }

    private final String name;
    private final long version;
    private final State state;
    private final String reason;
    private final String provider;
    private final String sha256;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;

    public ModelStatus(String name, long version, State state, String reason, String provider, String sha256,
            List<TensorSpec> inputs, List<TensorSpec> outputs) {
        this.name = Objects.requireNonNull(name, "name");
        this.version = version;
        this.state = Objects.requireNonNull(state, "state");
        this.reason = reason;
        this.provider = provider;
        this.sha256 = sha256;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    public String name() {
        return name;
    }

    public long version() {
        return version;
    }

    public State state() {
        return state;
    }

    public boolean isReady() {
        return state == State.READY;
    }

    /** Why the version failed, if it did. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** Id of the accelerator provider whose session serves this version, once loaded. */
    public Optional<String> provider() {
        return Optional.ofNullable(provider);
    }

    public Optional<String> sha256() {
        return Optional.ofNullable(sha256);
    }

    public List<TensorSpec> inputs() {
        return inputs;
    }

    public List<TensorSpec> outputs() {
        return outputs;
    }
}
