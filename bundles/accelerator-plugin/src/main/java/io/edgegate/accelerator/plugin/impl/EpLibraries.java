package io.edgegate.accelerator.plugin.impl;

import java.nio.file.Path;
import java.util.List;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtEpDevice;
import ai.onnxruntime.OrtException;

/**
 * The part of ONNX Runtime's environment that the plugin provider uses. An interface only so that tests can
 * count the calls made to the real environment.
 */
interface EpLibraries {

    /** Loads a plugin execution-provider library under {@code name}; its devices join {@link #devices()}. */
    void register(String name, Path library) throws OrtException;

    /** Unloads the library registered under {@code name}; every session using it must be closed first. */
    void unregister(String name) throws OrtException;

    /** Every execution-provider device known to the environment, built-in and plugin ones. */
    List<OrtEpDevice> devices() throws OrtException;

    /** The process-wide ONNX Runtime environment, which the inference service shares. */
    static EpLibraries of(OrtEnvironment env) {
        return new EpLibraries() {
            @Override
            public void register(String name, Path library) throws OrtException {
                env.registerExecutionProviderLibrary(name, library.toString());
            }

            @Override
            public void unregister(String name) throws OrtException {
                env.unregisterExecutionProviderLibrary(name);
            }

            @Override
            public List<OrtEpDevice> devices() throws OrtException {
                return env.getEpDevices();
            }
        };
    }
}
