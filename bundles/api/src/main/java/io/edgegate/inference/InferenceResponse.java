package io.edgegate.inference;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.edgegate.model.Tensor;

/** The outputs of one request and the model version that produced them. */
public final class InferenceResponse {
    private final String model;
    private final long version;
    private final String id;
    private final List<Tensor> outputs;

    public InferenceResponse(String model, long version, String id, List<Tensor> outputs) {
        this.model = Objects.requireNonNull(model, "model");
        this.version = version;
        this.id = id;
        this.outputs = List.copyOf(outputs);
    }

    public String model() {
        return model;
    }

    /** The version that answered. */
    public long version() {
        return version;
    }

    public String id() {
        return id;
    }

    public List<Tensor> outputs() {
        return outputs;
    }

    /** The output of that name, if returned. */
    public Optional<Tensor> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
