package io.edgegate.inference;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** Runs inference on the models of the store. Thread-safe. */
@ProviderType
public interface InferenceService {

    /**
     * Runs one request. The request is checked against the model's inputs before anything runs.
     *
     * @throws InferenceException with {@link InferenceException.Reason#MODEL_NOT_FOUND} for an unknown
     *         model or version, {@link InferenceException.Reason#MODEL_NOT_READY} for one that is loading
     *         or failed, {@link InferenceException.Reason#INVALID_INPUT} naming the offending input, or
     *         {@link InferenceException.Reason#INTERNAL} if ONNX Runtime fails
     */
    InferenceResponse infer(InferenceRequest request) throws InferenceException;

    /** Every known model version with its state, ordered by name then version. */
    List<ModelStatus> models();

    /**
     * One model version's status.
     *
     * @param version the version, or {@code null} for the version a request without one would use
     * @throws InferenceException {@link InferenceException.Reason#MODEL_NOT_FOUND} if unknown
     */
    ModelStatus model(String name, Long version) throws InferenceException;

    /** Whether the models present at start have all been loaded or have failed. */
    boolean isReady();

    /**
     * Reads the model from the store again and loads what its version policy selects; undoes {@link #unload}.
     * Returns once the load is done (the versions are READY or FAILED).
     *
     * @throws InferenceException {@link InferenceException.Reason#MODEL_NOT_FOUND} if the store has no such model
     */
    void load(String model) throws InferenceException;

    /**
     * Stops serving every version of the model: running requests finish, then the sessions are closed. The
     * model stays unloaded, even if its files change, until {@link #load}.
     *
     * @throws InferenceException {@link InferenceException.Reason#MODEL_NOT_FOUND} if unknown
     */
    void unload(String model) throws InferenceException;

    /** The accelerator providers the service knows, highest ranking first. */
    List<ProviderStatus> providers();

    /** Sessions created and closed so far: a replaced session that was never closed would show here. */
    SessionCounts sessions();
}
