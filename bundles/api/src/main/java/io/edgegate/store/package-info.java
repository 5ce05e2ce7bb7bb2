/**
 * The model repository: named models, each with numbered versions, laid out as
 * {@code <root>/<name>/<version>/model.onnx} with an optional {@code model.json} beside it.
 */
@Export
@Version("1.1.0")
package io.edgegate.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
