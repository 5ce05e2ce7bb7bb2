package io.edgegate.inference;

import java.util.List;
import java.util.Objects;

import io.edgegate.model.Tensor;

/**
 * A request: the model, optionally a version (else the newest ready one), the inputs and, optionally,
 * which outputs to return (else all).
 */
public final class InferenceRequest {
    private final String model;
    private final Long version;
    private final String id;
    private final List<Tensor> inputs;
    private final List<String> outputs;

    public InferenceRequest(String model, Long version, String id, List<Tensor> inputs, List<String> outputs) {
        this.model = Objects.requireNonNull(model, "model");
        this.version = version;
        this.id = id;
        this.inputs = List.copyOf(inputs);
        this.outputs = outputs == null ? List.of() : List.copyOf(outputs);
    }

    /** A request for the newest ready version, returning every output. */
    public static InferenceRequest of(String model, List<Tensor> inputs) {
        return new InferenceRequest(model, null, null, inputs, List.of());
    }

    public String model() {
        return model;
    }

    /** The requested version, or {@code null} for the newest ready one. */
    public Long version() {
        return version;
    }

    /** The caller's request id, echoed in the response; may be {@code null}. */
    public String id() {
        return id;
    }

    public List<Tensor> inputs() {
        return inputs;
    }

    /** Names of the outputs wanted; empty for all. */
    public List<String> outputs() {
        return outputs;
    }
}
