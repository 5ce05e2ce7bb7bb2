package io.edgegate.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.edgegate.model.TensorSpec;

/**
 * Per-version settings: inputs and outputs, preferred accelerator providers (first that is available
 * wins), ONNX Runtime thread counts ({@code 0} leaves the provider's default) and the optimization to apply.
 */
public final class ModelConfig {
    /** Where inputs and outputs were read from. */
    public enum Source {
        /** Declared in {@code model.json}. */
        MODEL_JSON,
        /** Read from the ONNX graph. */
        ONNX_GRAPH,
        /** Unknown: the model could not be read. */
        NONE
    }

    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final List<String> preferredProviders;
    private final int intraOpThreads;
    private final int interOpThreads;
    private final Source source;
    private final OptimizeConfig optimize;

    public ModelConfig(List<TensorSpec> inputs, List<TensorSpec> outputs, List<String> preferredProviders,
            int intraOpThreads, int interOpThreads, Source source) {
        this(inputs, outputs, preferredProviders, intraOpThreads, interOpThreads, source, null);
    }

    /** @param optimize the {@code optimize} section of {@code model.json}; {@code null} if it has none */
    public ModelConfig(List<TensorSpec> inputs, List<TensorSpec> outputs, List<String> preferredProviders,
            int intraOpThreads, int interOpThreads, Source source, OptimizeConfig optimize) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.preferredProviders = List.copyOf(preferredProviders);
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must not be negative");
        }
        this.intraOpThreads = intraOpThreads;
        this.interOpThreads = interOpThreads;
        this.source = Objects.requireNonNull(source, "source");
        this.optimize = optimize;
    }

    /** A configuration that knows nothing of the model. */
    public static ModelConfig empty() {
        return new ModelConfig(List.of(), List.of(), List.of(), 0, 0, Source.NONE);
    }

    public List<TensorSpec> inputs() {
        return inputs;
    }

    public List<TensorSpec> outputs() {
        return outputs;
    }

    public List<String> preferredProviders() {
        return preferredProviders;
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    public int interOpThreads() {
        return interOpThreads;
    }

    public Source source() {
        return source;
    }

    /** The optimization {@code model.json} asks for, if any. */
    public Optional<OptimizeConfig> optimize() {
        return Optional.ofNullable(optimize);
    }
}
