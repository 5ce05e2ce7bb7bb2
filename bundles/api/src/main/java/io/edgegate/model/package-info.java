/**
 * Tensors and tensor descriptions shared by the model store, the inference service and the protocols.
 * Datatype names follow the Open Inference Protocol v2.
 */
@Export
@Version("1.0.0")
package io.edgegate.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
