package io.edgegate.optimizer.impl;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * {@code int8-static}: static INT8 quantization in the QDQ format, for convolutional models. The FP32 model runs in
 * ONNX Runtime on calibration inputs with the activations of interest exposed as extra outputs; their ranges become
 * fixed uint8 scales and zero points, written as QuantizeLinear/DequantizeLinear pairs, with int8 weights (per output
 * channel for Conv, along axis 0) and int32 biases behind DequantizeLinear. ONNX Runtime fuses the pattern
 * DQ -&gt; Conv -&gt; Q into QLinearConv (and likewise QLinearMatMul, QGemm, QLinearAdd, QLinearAveragePool ...) at
 * session creation, so the variant computes in integers. A Relu right after a quantized Conv, MatMul, Gemm or Add is
 * folded into that operator's output quantization (uint8 with zero point 0 clips at 0), as ONNX Runtime's own
 * quantizer does.
 *
 * <p>Options: {@code ops} (the operator types to quantize, default {@value #DEFAULT_OPS}), {@code exclude} (node
 * names), {@code perChannel} (true), {@code reduceRange} (auto, see {@link CpuFeatures}), {@code quantizeBias}
 * (true), {@code calibration} ({@code minmax} or {@code percentile}, the default, with {@code percentile} 99.99),
 * {@code calibrationSamples} (16 generated samples, when none are given to the constructor), {@code calibrationRange}
 * (floats generated uniformly in "-1,1"), {@code calibrationDim} (32, for unknown dimensions but the first).
 *
 * <p>Needs opset 13 for per-channel weights (10 without): a lower default-domain opset is raised when that is safe.
 */
public final class Int8StaticRecipe implements Recipe {
    public static final String ID = "int8-static";
    static final String DEFAULT_OPS = "Conv,MatMul,Gemm,Add,Relu,MaxPool,AveragePool,GlobalAveragePool";
    private static final Set<String> OPTIONS = Set.of("ops", "exclude", "perChannel", "reduceRange", "quantizeBias",
            "calibration", "percentile", "calibrationSamples", "calibrationRange", "calibrationDim");

    private final List<Map<String, Object>> samples;

    /** Calibrates on inputs generated from the model's input metadata. */
    public Int8StaticRecipe() {
        this.samples = null;
    }

    /** Calibrates on these inputs: input name to a multi-dimensional Java array, one map per sample. */
    public Int8StaticRecipe(List<Map<String, Object>> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no calibration samples");
        }
        this.samples = List.copyOf(samples);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void apply(Path source, Path target, Map<String, String> options, Progress progress)
            throws RecipeException {
        Options opts = Options.of(ID, options, OPTIONS);
        QdqQuantizer.Settings settings = new QdqQuantizer.Settings(opts.list("ops", DEFAULT_OPS),
                opts.list("exclude", ""), opts.bool("perChannel", true), Int8DynamicRecipe.reduceRange(opts),
                opts.bool("quantizeBias", true));
        boolean percentile = opts.oneOf("calibration", "percentile", "minmax", "percentile").equals("percentile");
        double p = opts.number("percentile", 99.99, 50, 100);
        CalibrationInputs inputs = samples != null ? CalibrationInputs.given(samples)
                : CalibrationInputs.generated((int) Math.max(1, opts.nonNegativeLong("calibrationSamples", 16)), 4321L,
                        opts.range("calibrationRange", "-1,1"), Math.max(1, opts.nonNegativeLong("calibrationDim", 32)));

        progress.report(0.0, "reading " + source.getFileName());
        ModelProto model = OnnxModels.read(ID, source);
        QdqQuantizer quantizer = new QdqQuantizer(model.getGraph(), settings);
        if (quantizer.quantizedNodes() == 0) {
            throw new RecipeException(ID + ": " + source.getFileName() + " has none of " + settings.ops()
                    + " in a form this recipe quantizes");
        }
        Map<String, double[]> ranges;
        try (Calibration calibration = Calibration.open(ID, model, quantizer.activations(), inputs)) {
            ranges = ActivationRanges.measure(calibration, percentile, p, progress);
        }
        progress.report(0.6, "inserting QuantizeLinear/DequantizeLinear around " + quantizer.quantizedNodes()
                + " operators");
        quantizer.rewrite(ranges);
        ModelProto.Builder out = model.toBuilder();
        GraphProto.Builder graph = out.getGraphBuilder();
        graph.clearNode().addAllNode(quantizer.nodes).addAllInitializer(quantizer.initializers);
        OnnxModels.dropUnread(graph);
        OnnxModels.requireOpset(ID, out, quantizer.perChannelWeights ? 13 : 10);
        progress.report(0.8, "writing");
        OnnxModels.write(ID, out.build(), source, target);
        progress.report(1.0, "done");
    }
}
