package io.edgegate.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OrtEnvironment;
import io.edgegate.optimizer.impl.Fp16Recipe;
import io.edgegate.optimizer.impl.Int8DynamicRecipe;
import io.edgegate.optimizer.impl.Recipe;

/**
 * Optimizer benchmark. In one run, on this machine: all-MiniLM-L6-v2 FP32 (the langchain4j export), the INT8
 * variants our {@code int8-dynamic} recipe makes of it in this run (with its default SmoothQuant calibration, and
 * with {@code smoothQuant=0}, which skips the calibration), the {@code fp16} variant, and the INT8 model ONNX
 * Runtime's Python quantizer made of the same FP32 model (the langchain4j {@code -q} export, the reference).
 * For each: the optimizer's wall time, the file size, p50/p99 at batch 1 x 128 tokens with the CPU provider's
 * session options (2 intra-op threads, 1 inter-op thread), all models measured in alternating blocks, and the
 * mean token cosine to FP32 over the optimizer tests' 20 seeded inputs. Goals are reported, never enforced.
 *
 * <p>Options ({@code --name=value}, or system property {@code bench.name}): {@code iterations} (300),
 * {@code warmup} (30), {@code block} (10 measured calls per model before the next one runs), {@code settle} (5
 * untimed calls at the start of every block: see {@link ServingPath#measure(List, List, int, int, int, int)}).
 */
public final class OptimizerBench {
    static final String FP32_RESOURCE = "all-minilm-l6-v2.onnx";
    static final String REFERENCE_RESOURCE = "all-minilm-l6-v2-q.onnx";
    static final double GOAL_P50_RATIO = 1.0;
    static final double GOAL_COSINE = 0.99;
    static final double GOAL_SIZE_RATIO = 0.30;

    /** One model of the table; {@code recipe} is null for the two downloaded ones. */
    static final class Model {
        final String label;
        final Path file;
        final OptimizerRun recipe;
        String output;
        Latencies latency;
        /** Its block p50 over the reference INT8's of the same round: median, lower and upper quartile of rounds. */
        double[] pairedRatio;
        double[] cosine;

        Model(String label, Path file, OptimizerRun recipe) {
            this.label = label;
            this.file = file;
            this.recipe = recipe;
        }

        long bytes() throws IOException {
            return Files.size(file);
        }
    }

    private OptimizerBench() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = BenchSupport.intOption(args, "iterations", 300, 1);
        int warmup = BenchSupport.intOption(args, "warmup", 30, 0);
        int block = BenchSupport.intOption(args, "block", 10, 1);
        int settle = BenchSupport.intOption(args, "settle", 5, 0);
        String loadBefore = BenchSupport.loadAverage();
        long started = System.nanoTime();
        Path work = Files.createTempDirectory("edgegate-optimizer-bench");
        boolean keep = true;
        try {
            Path fp32File = extract(FP32_RESOURCE, work);
            Path referenceFile = extract(REFERENCE_RESOURCE, work);

            // Recipes first, one at a time, with nothing else running in this JVM.
            OtherLoad recipesStart = OtherLoad.sample();
            OptimizerRun int8 = OptimizerRun.apply(new Int8DynamicRecipe(), fp32File, work.resolve("int8.onnx"),
                    Map.of());
            OptimizerRun int8Plain = OptimizerRun.apply(new Int8DynamicRecipe(), fp32File,
                    work.resolve("int8-no-calibration.onnx"), Map.of("smoothQuant", "0"));
            OptimizerRun fp16 = OptimizerRun.apply(new Fp16Recipe(), fp32File, work.resolve("fp16.onnx"), Map.of());
            double otherDuringRecipes = OtherLoad.otherCores(recipesStart, OtherLoad.sample());

            Model fp32 = new Model("FP32 (langchain4j export)", fp32File, null);
            Model ours = new Model("our INT8 (int8-dynamic)", int8.target(), int8);
            Model oursPlain = new Model("our INT8, no calibration", int8Plain.target(), int8Plain);
            Model half = new Model("our FP16 (fp16)", fp16.target(), fp16);
            Model reference = new Model("reference INT8 (ORT Python)", referenceFile, null);
            List<Model> models = List.of(fp32, ours, oursPlain, half, reference);

            System.err.printf(Locale.ROOT, "[bench] token cosine to FP32 over %d inputs...%n", TokenAccuracy.INPUTS);
            TokenAccuracy accuracy = new TokenAccuracy(ServingBench.INTRA_OP_THREADS, ServingBench.INTER_OP_THREADS);
            List<float[]> expected = accuracy.embeddings(fp32File);
            for (Model m : models) {
                m.cosine = TokenAccuracy.meanAndMinCosine(expected, accuracy.embeddings(m.file));
            }

            System.err.printf(Locale.ROOT, "[bench] latency: %d calls per model after %d warm-up calls, "
                    + "in blocks of %d after %d untimed...%n", iterations, warmup, block, settle);
            OtherLoad latencyStart = OtherLoad.sample();
            measureLatency(models, reference, warmup, iterations, block, settle);
            double otherDuringLatency = OtherLoad.otherCores(latencyStart, OtherLoad.sample());

            String loadAfter = BenchSupport.loadAverage();
            OptimizerReport.print(System.out, models, fp32, ours, oursPlain, reference, iterations, warmup, block,
                    settle, loadBefore, loadAfter, OrtEnvironment.getEnvironment().getVersion(),
                    (System.nanoTime() - started) / 1e9, otherDuringRecipes, otherDuringLatency);
            keep = false;
        } finally {
            if (keep) {
                System.err.println("Bench failed; its files are kept in " + work);
            } else {
                BenchSupport.deleteTree(work);
            }
        }
    }

    /**
     * All models open at once and measured in alternating blocks, so that drift falls on all alike. Besides the
     * pooled percentiles, each model's p50 within a round is set against the reference INT8's of the same round
     * ({@code reference}): the spread of those ratios over the rounds shows how far a ratio of this run can be trusted.
     */
    private static void measureLatency(List<Model> models, Model reference, int warmup, int iterations, int block,
            int settle) throws Exception {
        BenchInput input = new BenchInput();
        List<RawOrtPath> paths = new ArrayList<>();
        try {
            for (Model m : models) {
                RawOrtPath path = new RawOrtPath(m.file, input, ServingBench.INTRA_OP_THREADS,
                        ServingBench.INTER_OP_THREADS, null);
                paths.add(path);
                m.output = path.outputName();
                int floats = path.output().length;
                if (floats != BenchInput.SEQUENCE * 384) {
                    throw new IllegalStateException(m.label + ": output " + m.output + " has " + floats
                            + " floats, not 128 x 384");
                }
            }
            long[][] nanos = ServingPath.timeInBlocks(List.copyOf(paths), warmup, iterations, block, settle);
            long[] referenceNanos = nanos[models.indexOf(reference)];
            for (int i = 0; i < models.size(); i++) {
                Model m = models.get(i);
                m.latency = new Latencies(m.label, nanos[i]);
                List<Double> ratios = new ArrayList<>();
                for (int start = 0; start < iterations; start += block) {
                    int end = Math.min(iterations, start + block);
                    ratios.add(median(nanos[i], start, end) / median(referenceNanos, start, end));
                }
                ratios.sort(null);
                m.pairedRatio = new double[] {quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75)};
            }
        } finally {
            for (RawOrtPath p : paths) {
                p.close();
            }
        }
    }

    private static double median(long[] values, int from, int to) {
        long[] part = Arrays.copyOfRange(values, from, to);
        Arrays.sort(part);
        int n = part.length;
        return n % 2 == 1 ? part[n / 2] : (part[n / 2 - 1] + part[n / 2]) / 2.0;
    }

    /** Linear interpolation between the closest ranks of a sorted list. */
    private static double quantile(List<Double> sorted, double q) {
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.size() - 1, lo + 1);
        return sorted.get(lo) + (pos - lo) * (sorted.get(hi) - sorted.get(lo));
    }

    /** Copies a model shipped in a langchain4j artifact on the class path into {@code dir}. */
    private static Path extract(String resource, Path dir) throws IOException {
        Path file = dir.resolve(resource);
        try (InputStream in = OptimizerBench.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path; is its langchain4j model artifact a "
                        + "dependency of the bench?");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /**
     * One recipe applied once: the wall time from the call to its return, and where it went. A phase runs from one
     * of the recipe's progress messages to the next message that starts with another word (so the per-sample
     * "calibrating" messages make one phase), labelled with its first message, the source's file name left out.
     */
    record OptimizerRun(String recipe, Map<String, String> options, Path target, double seconds,
            Map<String, Double> phases) {

        static OptimizerRun apply(Recipe recipe, Path source, Path target, Map<String, String> options)
                throws Exception {
            System.err.printf(Locale.ROOT, "[bench] %s %s...%n", recipe.id(), options);
            Map<String, Double> phases = new LinkedHashMap<>();
            String sourceName = " " + source.getFileName();
            String[] label = {null};
            long[] since = {0};
            long t0 = System.nanoTime();
            recipe.apply(source, target, options, (fraction, message) -> {
                long now = System.nanoTime();
                String text = message.replace(sourceName, "");
                if (label[0] != null && firstWord(label[0]).equals(firstWord(text))) {
                    return;
                }
                if (label[0] != null) {
                    phases.merge(label[0], (now - since[0]) / 1e9, Double::sum);
                }
                label[0] = text;
                since[0] = now;
            });
            long t1 = System.nanoTime();
            if (label[0] != null && !label[0].equals("done")) {
                phases.merge(label[0], (t1 - since[0]) / 1e9, Double::sum);
            }
            return new OptimizerRun(recipe.id(), options, target, (t1 - t0) / 1e9, phases);
        }

        private static String firstWord(String message) {
            return message.split(" ", 2)[0];
        }
    }
}
