package io.edgegate.bench;

import static io.edgegate.bench.BenchSupport.f;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Stream;

import io.edgegate.bench.OptimizerBench.Model;
import io.edgegate.bench.OptimizerBench.OptimizerRun;

/** The optimizer bench's table, where the optimizer's time went, and the goals. */
final class OptimizerReport {
    private static final Set<String> NON_SATURATING_INT8 = Set.of("avx512_vnni", "avx_vnni", "amx_int8");
    /** Cores' worth of other work above which the output warns that the timings are disturbed. */
    private static final double DISTURBED = 0.2;

    private OptimizerReport() {
    }

    static void print(PrintStream out, List<Model> models, Model fp32, Model ours, Model oursPlain, Model reference,
            int iterations, int warmup, int block, int settle, String loadBefore, String loadAfter, String ortVersion,
            double benchSeconds, double otherDuringRecipes, double otherDuringLatency) throws IOException {
        out.println();
        out.println("Edgegate optimizer bench: all-MiniLM-L6-v2, batch 1 x " + BenchInput.SEQUENCE + " tokens, "
                + ServingBench.INTRA_OP_THREADS + " intra-op / " + ServingBench.INTER_OP_THREADS
                + " inter-op threads, all graph optimisations, arena on");
        out.println("ONNX Runtime " + ortVersion + "; " + cpu());
        out.println("load average (1/5/15 min) before: " + loadBefore + ", after: " + loadAfter
                + " (on " + Runtime.getRuntime().availableProcessors() + " cores; the bench's own threads and, "
                + "before, the build count too)");
        out.println("CPU used by other processes, in cores on average: " + cores(otherDuringRecipes)
                + " while the recipes ran, " + cores(otherDuringLatency) + " while latency was measured"
                + (otherDuringRecipes > DISTURBED || otherDuringLatency > DISTURBED
                        ? " (other work shared the cores: the timings, above all p99, mean less)" : ""));
        out.println(f("latency: %d measured calls per model after %d warm-up calls, all %d models in alternating "
                + "blocks of %d measured calls, each after %d untimed ones; the bench took %.0f s", iterations, warmup,
                models.size(), block, settle, benchSeconds));
        out.println();

        String row = "%-29s %8s %7s %12s %8s %8s %8s %20s %8s %9s %9s";
        out.println(f(row, "model", "file MB", "x FP32", "optimizer s", "p50 ms", "p99 ms", "p50/ref",
                "by round [IQR]", "p50/FP32", "cos mean", "cos min"));
        double fp32Bytes = fp32.bytes();
        int rounds = (iterations + block - 1) / block;
        for (Model m : models) {
            out.println(f(row, m.label, f("%.1f", BenchSupport.mb(m.bytes())), f("%.3f", m.bytes() / fp32Bytes),
                    m.recipe == null ? "-" : f("%.2f", m.recipe.seconds()), f("%.2f", m.latency.p50()),
                    f("%.2f", m.latency.p99()), f("%.3f", m.latency.p50() / reference.latency.p50()),
                    f("%.3f [%.3f-%.3f]", m.pairedRatio[0], m.pairedRatio[1], m.pairedRatio[2]),
                    f("%.3f", m.latency.p50() / fp32.latency.p50()), f("%.5f", m.cosine[0]),
                    f("%.5f", m.cosine[1])));
        }
        out.println();
        out.println("p50/p99: nearest-rank, ms, over all rounds. p50/ref, p50/FP32: over the reference INT8's and "
                + "FP32's p50 of this run.");
        out.println("by round: the model's median over the reference INT8's median in the same round; median and "
                + "interquartile range over the " + rounds + " rounds (how far the pooled ratio can be trusted).");
        out.println("cos: cosine of each valid token's embedding to FP32's over the optimizer tests' "
                + TokenAccuracy.INPUTS + " seeded inputs (8-128 tokens, padded tail masked); min: the worst token.");
        StringJoiner outputs = new StringJoiner("; ", "output read (each model's first): ", "");
        for (Model m : models) {
            outputs.add(m.label + ": " + m.output);
        }
        out.println(outputs);
        out.println();
        out.println("optimizer wall time, by progress message (the recipes ran in this order in one JVM; the first "
                + "also pays for class loading and JIT warm-up):");
        for (Model m : models) {
            if (m.recipe != null) {
                out.println(f("  %-29s %6.2f s = %s", m.label, m.recipe.seconds(), phases(m.recipe)));
            }
        }
        out.println();
        out.println("Goals (reported, never enforced):");
        double ratio = ours.latency.p50() / reference.latency.p50();
        double plainRatio = oursPlain.latency.p50() / reference.latency.p50();
        out.println(f("  %-46s %s  %.2f / %.2f ms = %.3f x; by round %.3f x [%.3f-%.3f]   (no calibration: %.3f x %s)",
                f("our INT8 p50 <= %.2f x reference INT8 p50", OptimizerBench.GOAL_P50_RATIO),
                mark(ratio <= OptimizerBench.GOAL_P50_RATIO), ours.latency.p50(), reference.latency.p50(), ratio,
                ours.pairedRatio[0], ours.pairedRatio[1], ours.pairedRatio[2], plainRatio,
                mark(plainRatio <= OptimizerBench.GOAL_P50_RATIO)));
        out.println(f("  %-46s %s  %.5f   (no calibration: %.5f %s; reference INT8: %.5f)",
                f("our INT8 mean token cosine to FP32 >= %.2f", OptimizerBench.GOAL_COSINE),
                mark(ours.cosine[0] >= OptimizerBench.GOAL_COSINE), ours.cosine[0], oursPlain.cosine[0],
                mark(oursPlain.cosine[0] >= OptimizerBench.GOAL_COSINE), reference.cosine[0]));
        double size = ours.bytes() / fp32Bytes;
        double plainSize = oursPlain.bytes() / fp32Bytes;
        out.println(f("  %-46s %s  %.1f / %.1f MB = %.3f x   (no calibration: %.3f x %s; reference INT8: %.3f x)",
                f("our INT8 size <= %.2f x FP32", OptimizerBench.GOAL_SIZE_RATIO),
                mark(size <= OptimizerBench.GOAL_SIZE_RATIO), BenchSupport.mb(ours.bytes()),
                BenchSupport.mb(fp32.bytes()), size, plainSize, mark(plainSize <= OptimizerBench.GOAL_SIZE_RATIO),
                reference.bytes() / fp32Bytes));
    }

    private static String cores(double cores) {
        return Double.isNaN(cores) ? "unknown" : f("%.2f", cores);
    }

    private static String phases(OptimizerRun run) {
        StringJoiner j = new StringJoiner(", ");
        for (Map.Entry<String, Double> e : run.phases().entrySet()) {
            j.add(f("%s %.2f s", e.getKey(), e.getValue()));
        }
        return j.toString();
    }

    private static String mark(boolean pass) {
        return pass ? "PASS" : "MISS";
    }

    /**
     * The CPU's name and whether its int8 products saturate: without VNNI (or AMX) the optimizer's
     * {@code reduceRange=auto} keeps weights to 7 bits, which costs a little accuracy.
     */
    private static String cpu() {
        String arch = System.getProperty("os.arch", "");
        if (arch.equals("aarch64") || arch.equals("arm64")) {
            return "CPU " + arch + " (int8 dot products do not saturate: reduceRange=auto gives 8-bit weights)";
        }
        String name = "unknown CPU";
        boolean vnni = false;
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("model name") && name.equals("unknown CPU")) {
                    name = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("flags")) {
                    vnni = Stream.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                            .anyMatch(NON_SATURATING_INT8::contains);
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            return "CPU unknown";
        }
        return "CPU " + name + ", " + (vnni ? "int8 VNNI: yes (reduceRange=auto gives 8-bit weights)"
                : "no int8 VNNI (reduceRange=auto gives 7-bit weights)");
    }
}
