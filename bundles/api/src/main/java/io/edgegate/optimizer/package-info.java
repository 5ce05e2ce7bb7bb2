/**
 * On-device model optimization: a {@link io.edgegate.optimizer.ModelOptimizer} turns an installed, verified model
 * version into a variant (dynamic or static INT8, FP16, ONNX Runtime's graph optimizations saved), checks it against
 * the original with an accuracy guard, and keeps it with a report beside the version's verified copy. A version
 * serves an accepted variant when its {@code model.json} asks for it ({@link io.edgegate.store.OptimizeConfig}).
 */
@Export
@Version("1.0.0")
package io.edgegate.optimizer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
