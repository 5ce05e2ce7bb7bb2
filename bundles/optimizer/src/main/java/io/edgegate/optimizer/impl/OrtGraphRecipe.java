package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * {@code ort-graph}: ONNX Runtime's own graph optimizations (constant folding, redundant node removal, operator
 * fusions such as Attention, SkipLayerNormalization, FusedMatMul, Gelu) run once here and saved, so that sessions
 * created from the variant skip that work and start faster.
 *
 * <p>Option {@code level}: {@code basic} (hardware-independent rewrites only), {@code extended} (the default: also
 * fusions into ONNX Runtime's contrib operators, so the variant runs in ONNX Runtime only), {@code layout} or
 * {@code all}. Beware that {@code layout} and {@code all} may rewrite the graph into layouts (NCHWc and others) chosen
 * for this machine's CPU and instruction set: such a variant may be slower, or not load, on other hardware or with
 * another execution provider, so use those levels only for a variant made on the device that will run it.
 *
 * <p>Native resources: one {@link SessionOptions} and one {@link OrtSession}, each closed exactly once by
 * try-with-resources, the session first. The shared {@link OrtEnvironment} is never closed here.
 */
public final class OrtGraphRecipe implements Recipe {
    public static final String ID = "ort-graph";
    private static final Set<String> OPTIONS = Set.of("level");

    @Override
    public String id() {
        return ID;
    }

    @Override
    public void apply(Path source, Path target, Map<String, String> options, Progress progress)
            throws RecipeException {
        Options opts = Options.of(ID, options, OPTIONS);
        OptLevel level = switch (opts.oneOf("level", "extended", "basic", "extended", "layout", "all")) {
            case "basic" -> OptLevel.BASIC_OPT;
            case "layout" -> OptLevel.LAYOUT_OPT;
            case "all" -> OptLevel.ALL_OPT;
            default -> OptLevel.EXTENDED_OPT;
        };
        if (!Files.isRegularFile(source)) {
            throw new RecipeException(ID + ": no model at " + source);
        }
        progress.report(0.0, "optimizing with ONNX Runtime (" + level + ")");
        Path temp = null;
        try {
            OnnxModels.checkTarget(ID, source, target);
            // ORT writes the file while it builds the session: into a temporary file, so a failure leaves no target.
            temp = OnnxModels.temporaryBeside(target);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (SessionOptions so = new SessionOptions()) {
                so.setOptimizationLevel(level);
                so.setOptimizedModelFilePath(temp.toString());
                try (OrtSession session = env.createSession(source.toString(), so)) {
                    progress.report(0.9, "saved " + session.getNumOutputs() + "-output graph");
                }
            }
            if (Files.size(temp) == 0) {
                throw new RecipeException(ID + ": ONNX Runtime wrote no optimized model for " + source);
            }
            OnnxModels.moveInPlace(temp, target);
            progress.report(1.0, "done");
        } catch (OrtException e) {
            throw new RecipeException(ID + ": ONNX Runtime cannot optimize " + source + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new RecipeException(ID + ": cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            OnnxModels.deleteQuietly(temp);
        }
    }
}
