/**
 * The model repository: named models, each with numbered versions, laid out as
 * {@code <root>/<name>/<version>/model.onnx} with its signed manifest {@code model.onnx.manifest.json} and an optional {@code model.json} beside it.
 * A version may serve an optimized variant of itself ({@link io.edgegate.store.ServedVariant}), made on the gateway
 * from its verified copy when its {@code model.json} asks for it ({@link io.edgegate.store.OptimizeConfig}).
 */
@Export
@Version("1.3.0")
package io.edgegate.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
