package io.edgegate.shell.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.edgegate.optimizer.ModelOptimizer;
import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.ProgressEvent;
import io.edgegate.optimizer.Variant;

/** {@code edgegate:optimize} and {@code edgegate:variants} over a stand-in optimizer: what the operator reads. */
class OptimizerCommandsTest {

    static Variant variant(Variant.Outcome outcome, String reason, boolean served) {
        return new Variant("m", 1, "int8-dynamic", Map.of("perChannel", "false"), "0123456789abcdef", outcome, reason,
                new Variant.Metrics(20, "generated", 0.99471, 0.94172, 0.4996, null),
                new Variant.Thresholds(0.99, null, 0.99), "ab".repeat(32), 1000, "cd".repeat(32), 254, "1.28.0", 2709,
                2797, Instant.parse("2026-11-22T07:00:00Z"), served,
                outcome == Variant.Outcome.ACCEPTED ? Path.of("/data/models/m/1/variants/x/model.onnx") : null);
    }

    /** Just enough of an optimizer: reports progress, then answers as told. */
    static final class Stub implements ModelOptimizer {
        Map<String, String> options;
        OptimizerException refusal;

        @Override
        public List<String> recipes() {
            return List.of("int8-dynamic");
        }

        @Override
        public Variant optimize(String model, long version, String recipe, Map<String, String> opts,
                Consumer<ProgressEvent> progress) throws OptimizerException {
            this.options = opts;
            for (int i = 0; i <= 20; i++) {
                progress.accept(new ProgressEvent(i / 20.0, i < 14 ? "quantizing" : "comparing outputs"));
            }
            if (refusal != null) {
                throw refusal;
            }
            return variant(Variant.Outcome.ACCEPTED, null, true);
        }

        @Override
        public List<Variant> variants(String model, long version) {
            return List.of(variant(Variant.Outcome.ACCEPTED, null, true),
                    variant(Variant.Outcome.REJECTED, "cosine similarity 0.48827 is below minCosine 0.99", false));
        }
    }

    @Test
    void optimizeHandsOverTheOptionsAndPrintsTheReport() {
        OptimizerCommands commands = new OptimizerCommands();
        assertEquals(OptimizerCommands.NO_OPTIMIZER, commands.optimize(null, "m", 1, "int8-dynamic"));
        Stub stub = new Stub();
        commands.bindOptimizer(stub);
        String out = commands.optimize(null, "m", 1, "int8-dynamic", "perChannel=false", "minCosine=0.995");
        assertEquals(Map.of("perChannel", "false", "minCosine", "0.995"), stub.options);
        assertTrue(out.startsWith("ACCEPTED: int8-dynamic {perChannel=false} variant 0123456789abcdef of m version 1 "
                + "(serves)"), out);
        assertTrue(out.contains("cosine 0.99471 mean, 0.94172 lowest; max abs diff 0.4996; top-1 - (20 generated "
                + "samples)"), out);
        assertTrue(out.contains("size:       1000 -> 254 bytes (0.25x)"), out);
        assertTrue(out.contains("made from sha256 " + "ab".repeat(32) + " with ONNX Runtime 1.28.0"), out);
        assertEquals("Options are key=value, not 'oops'.", commands.optimize(null, "m", 1, "fp16", "oops"));

        stub.refusal = new OptimizerException(OptimizerException.Reason.REJECTED, "the accuracy guard rejected it",
                variant(Variant.Outcome.REJECTED, "cosine similarity 0.48827 is below minCosine 0.99", false), null);
        String rejected = commands.optimize(null, "m", 1, "int8-dynamic");
        assertTrue(rejected.startsWith("Not optimized (REJECTED): the accuracy guard rejected it\nREJECTED: "),
                rejected);
        assertTrue(rejected.contains("reason:     cosine similarity 0.48827 is below minCosine 0.99"), rejected);
    }

    @Test
    void variantsIsATableWithTheReasons() {
        OptimizerCommands commands = new OptimizerCommands();
        commands.bindOptimizer(new Stub());
        List<String> lines = commands.variants("m", 1).lines().toList();
        assertEquals(List.of("VERSION", "RECIPE", "KEY", "OUTCOME", "SERVED", "COSINE", "MAXDIFF", "TOP1", "SIZE",
                "REASON"), List.of(lines.get(0).split("\\s+")));
        assertTrue(lines.get(1).matches("1\\s+int8-dynamic \\{perChannel=false}\\s+0123456789abcdef\\s+ACCEPTED\\s+yes"
                + "\\s+0.99471\\s+0.4996\\s+-\\s+0.25x\\s+-"), lines.get(1));
        assertTrue(lines.get(2).endsWith("REJECTED  no      0.99471  0.4996   -     0.25x  cosine similarity 0.48827 "
                + "is below minCosine 0.99"), lines.get(2));
        assertEquals("The model store is not running.", commands.variants("m"));
    }
}
