package io.edgegate.accelerator.spi;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * Configures ONNX Runtime sessions to run on one kind of accelerator. Register implementations as OSGi
 * services; the {@code service.ranking} property orders them (highest first) when a model does not name
 * preferred providers. The CPU provider ranks lowest so that any available accelerator wins.
 *
 * <p>Implementations must be thread-safe: sessions for several models are configured concurrently.
 */
@ConsumerType
public interface AcceleratorProvider {

    /** Stable identifier, e.g. {@code "cpu"} or {@code "cuda"}; what {@code model.json} names. */
    String id();

    /**
     * Whether this provider can configure sessions in this process now (its execution provider is in the
     * ONNX Runtime build, its device is present). An unavailable provider is skipped, never called.
     */
    boolean isAvailable();

    /** The devices this provider runs on, for display; e.g. {@code ["cpu"]}. */
    default List<String> devices() {
        return List.of();
    }

    /**
     * Whether sessions this provider configured stay valid after its service is gone. True (the default)
     * when its execution provider is built into ONNX Runtime, such as the CPU or CUDA ones: such sessions keep
     * serving until a replacement is ready. False when it registered a plugin execution-provider library that
     * it unregisters on stop: the gateway then moves or closes those sessions before the service goes away.
     */
    default boolean sessionsOutliveProvider() {
        return true;
    }

    /**
     * Adds this provider's execution provider and options to a new session's options. Called once per
     * session, before the session is created; the options are closed by the caller.
     *
     * @param settings the model's requested settings, which take precedence over provider defaults
     * @throws OrtException if ONNX Runtime refuses the configuration; the next provider is tried
     * @throws IllegalStateException if called while the provider is not available; the next provider is tried
     */
    void configure(OrtSession.SessionOptions options, SessionSettings settings) throws OrtException;
}
