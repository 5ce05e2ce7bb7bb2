/**
 * The in-process inference API: run a model version on tensors and see which versions are ready.
 * The HTTP and MQTT protocols are thin layers over {@link io.edgegate.inference.InferenceService}.
 */
@Export
@Version("1.1.0")
package io.edgegate.inference;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
