package io.edgegate.optimizer.impl;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * {@code fp16}: the model converted to half precision, for accelerators that compute in FP16 (GPUs, NPUs) and to
 * halve the file. FLOAT initializers become FLOAT16 (clamped to its range: ±65504, and a nonzero magnitude below
 * 2^-24 kept at 2^-24 so that epsilons do not vanish), and so do the values that FP16 nodes produce; Constant and
 * ConstantOfShape values and Cast's {@code to} follow. The graph's inputs and outputs stay FP32, with Casts at the
 * boundary, so callers see no difference.
 *
 * <p>Option {@code keepFp32}: operator types (or node names) that stay FP32 with Casts around them, because they
 * accumulate or exponentiate and lose too much in FP16. The default, {@value #DEFAULT_KEEP_FP32}, was chosen by
 * measuring all-MiniLM-L6-v2 (mean token cosine 0.9999+ against FP32 with it).
 *
 * <p>Float attributes (alpha, beta, epsilon, ...) are float by the operator schemas whatever the tensor type, so they
 * are left alone; value_info entries of converted values are retyped. Nodes of other domains, quantization operators
 * and control flow (If, Loop, Scan) stay FP32, as does every value their subgraphs read. ONNX Runtime's CPU provider
 * runs an FP16 node it has no FP16 kernel for in FP32 between Casts it inserts itself, so a variant always loads
 * there, but is usually slower than FP32 on a CPU: this recipe is for FP16 hardware.
 */
public final class Fp16Recipe implements Recipe {
    public static final String ID = "fp16";
    static final String DEFAULT_KEEP_FP32 = "LayerNormalization,SimplifiedLayerNormalization,SkipLayerNormalization,"
            + "Softmax,LogSoftmax,ReduceMean,ReduceSum,ReduceSumSquare,ReduceL2,ReduceLogSumExp,ReduceProd,Pow,Sqrt,"
            + "Reciprocal,Erf,Exp,Log,Range,CumSum,InstanceNormalization,TopK,NonMaxSuppression,RoiAlign";
    private static final Set<String> OPTIONS = Set.of("keepFp32");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void apply(Path source, Path target, Map<String, String> options, Progress progress)
            throws RecipeException {
        Options opts = Options.of(ID, options, OPTIONS);
        Set<String> keep = opts.list("keepFp32", DEFAULT_KEEP_FP32);
        progress.report(0.0, "reading " + source.getFileName());
        ModelProto model = OnnxModels.read(ID, source);
        progress.report(0.2, "converting to FP16");
        int[] converted = new int[1];
        ModelProto out = model.toBuilder().setGraph(new Fp16Converter(model.getGraph(), keep).convert(converted))
                .build();
        if (converted[0] == 0) {
            throw new RecipeException(ID + ": " + source.getFileName() + " has no FP32 computation to convert");
        }
        progress.report(0.8, "writing " + converted[0] + " FP16 nodes");
        OnnxModels.write(ID, out, source, target);
        progress.report(1.0, "done");
    }
}
