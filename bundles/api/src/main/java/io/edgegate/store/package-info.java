/**
 * The model repository: named models, each with numbered versions, laid out as
 * {@code <root>/<name>/<version>/model.onnx} with its signed manifest {@code model.onnx.manifest.json} and an optional {@code model.json} beside it.
 */
@Export
@Version("1.2.0")
package io.edgegate.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
