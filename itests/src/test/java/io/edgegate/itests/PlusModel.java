package io.edgegate.itests;

import java.nio.file.Path;
import java.util.List;

import io.edgegate.testkit.OnnxModelBuilder;

/** {@code y = x + version} on FP32 [N, 4]: a model whose answers tell which version gave them. */
final class PlusModel {
    private PlusModel() {
    }

    /** Writes {@code <models>/<name>/<version>/model.onnx}. Runs outside the framework only. */
    static void write(Path models, String name, long version) {
        new OnnxModelBuilder()
                .doc("plus " + version)
                .input("x", OnnxModelBuilder.FLOAT, -1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4)
                .floatInitializer("c", new long[] {1}, version)
                .node("Add", List.of("x", "c"), List.of("y"))
                .write(models.resolve(name).resolve(Long.toString(version)).resolve("model.onnx"));
    }
}
