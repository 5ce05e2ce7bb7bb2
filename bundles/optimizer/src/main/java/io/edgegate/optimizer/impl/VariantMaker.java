package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnx.proto.OnnxMl.GraphProto;
import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.OptimizerException.Reason;
import io.edgegate.optimizer.Variant;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;
import io.edgegate.store.OptimizeConfig;

/**
 * Makes one variant and judges it, or reuses the one made before: the recipe reads the version's verified copy and
 * writes {@code variants/<key>/candidate.onnx}; the accuracy guard compares it with the original; an accepted
 * candidate becomes {@code model.onnx}, a rejected one is deleted. Either way the report is written last, so that the
 * store never finds an accepted report without its file. Progress: the recipe's 0 to 0.7, the guard's 0.7 to 1.
 */
final class VariantMaker {
    private static final Logger LOG = LoggerFactory.getLogger(VariantMaker.class);
    private static final String CANDIDATE = "candidate.onnx";
    private static final double RECIPE_SHARE = 0.7;

    /**
     * What to make.
     *
     * @param repositoryDir the version's folder in the repository, where {@code samples/} may be
     * @param options the recipe's options (the guard's removed)
     */
    record Job(ModelVersion version, Path repositoryDir, String recipe, Map<String, String> options,
            Variant.Thresholds thresholds, int samples) {
    }

    private final AccuracyGuard guard;
    private final long maxDim;
    private final String onnxRuntime;

    VariantMaker(AccuracyGuard guard, long maxDim, String onnxRuntime) {
        this.guard = guard;
        this.maxDim = maxDim;
        this.onnxRuntime = onnxRuntime;
    }

    static Path directory(ModelVersion v, String key) {
        return v.sourceFile().getParent().resolve(ModelStore.VARIANTS_FOLDER).resolve(key);
    }

    /** The accepted variant, made now or reused; a rejection or failure throws, with its report when it has one. */
    Variant make(Job job, Progress progress) throws OptimizerException {
        Recipe recipe = Recipes.byId(job.recipe()).orElseThrow(() -> new OptimizerException(Reason.UNKNOWN_RECIPE,
                "no recipe '" + job.recipe() + "'; known: " + String.join(", ", Recipes.ids())));
        ModelVersion v = job.version();
        String key = OptimizeConfig.variantKey(job.recipe(), job.options(), v.sha256());
        Path dir = directory(v, key);
        Variant reused = reusable(dir, v, job);
        if (reused != null) {
            LOG.info("Model {} version {}: reusing {} variant {} (made {})", v.name(), v.version(), job.recipe(), key,
                    reused.created());
            progress.report(1.0, "reused variant " + key);
            return reused;
        }
        Path candidate = dir.resolve(CANDIDATE);
        Attempt a = new Attempt(job, key);
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(candidate);
        } catch (IOException e) {
            throw new OptimizerException(Reason.IO, "cannot create " + dir + ": " + e.getMessage(), null, e);
        }
        GuardSamples samples;
        try {
            samples = GuardSamples.of(job.repositoryDir(), job.samples(), maxDim);
        } catch (IOException e) {
            throw a.fail(dir, Reason.BAD_OPTIONS, "the guard's samples: " + e.getMessage(), e);
        }
        long t0 = System.nanoTime();
        try {
            recipe.apply(v.sourceFile(), candidate, job.options(), (f, m) -> progress.report(RECIPE_SHARE * f, m));
        } catch (BadOptionException e) {
            throw a.fail(dir, Reason.BAD_OPTIONS, e.getMessage(), e);
        } catch (RecipeException e) {
            rethrowIfCancelled(e);
            throw a.fail(dir, Reason.RECIPE_FAILED, e.getMessage(), e);
        }
        a.recipeMillis = (System.nanoTime() - t0) / 1_000_000;
        long t1 = System.nanoTime();
        try {
            a.variantSha256 = sha256(candidate);
            a.variantBytes = Files.size(candidate);
            GraphProto graph = OnnxModels.read(job.recipe(), v.sourceFile()).getGraph();
            AccuracyGuard.Verdict verdict = guard.judge(v.sourceFile(), candidate, graph, samples, job.thresholds(),
                    (f, m) -> progress.report(RECIPE_SHARE + (1 - RECIPE_SHARE) * f, m));
            a.guardMillis = (System.nanoTime() - t1) / 1_000_000;
            if (verdict.rejection() == null) {
                force(candidate);
                OnnxModels.moveInPlace(candidate, dir.resolve(ModelStore.MODEL_FILE));
                Variant accepted = a.report(Variant.Outcome.ACCEPTED, null, verdict.metrics(),
                        dir.resolve(ModelStore.MODEL_FILE));
                Reports.write(dir, accepted, verdict.outputs());
                return accepted;
            }
            Files.deleteIfExists(candidate);
            Files.deleteIfExists(dir.resolve(ModelStore.MODEL_FILE));
            Variant rejected = a.report(Variant.Outcome.REJECTED, verdict.rejection(), verdict.metrics(), null);
            Reports.write(dir, rejected, verdict.outputs());
            throw new OptimizerException(Reason.REJECTED, "the accuracy guard rejected the " + job.recipe()
                    + " variant of " + v.name() + " version " + v.version() + ": " + verdict.rejection(), rejected,
                    null);
        } catch (AccuracyGuard.Failure e) {
            a.guardMillis = (System.nanoTime() - t1) / 1_000_000;
            rethrowIfCancelled(e);
            throw a.fail(dir, Reason.RECIPE_FAILED, e.getMessage(), e);
        } catch (RecipeException | IOException e) {
            throw new OptimizerException(Reason.IO, "cannot judge or keep the variant in " + dir + ": "
                    + e.getMessage(), null, e);
        } finally {
            OnnxModels.deleteQuietly(candidate);
        }
    }

    /** An accepted variant of exactly this content whose measurements still meet today's thresholds. */
    private static Variant reusable(Path dir, ModelVersion v, Job job) {
        if (!Files.isRegularFile(dir.resolve(ModelStore.VARIANT_REPORT))) {
            return null;
        }
        try {
            Variant old = Reports.read(dir);
            if (old.accepted() && old.modelFile().isPresent() && v.sha256().equals(old.sourceSha256())
                    && AccuracyGuard.meets(old.metrics(), job.thresholds())
                    && sha256(old.modelFile().get()).equals(old.variantSha256())) {
                return old;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Model {} version {}: cannot reuse {}: {}", v.name(), v.version(), dir, e.toString());
        }
        return null;
    }

    private static void rethrowIfCancelled(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CancellationException c) {
                throw c;
            }
        }
    }

    /** One variant's lineage and timings, as it is being made. */
    private final class Attempt {
        final Job job;
        final String key;
        final Instant started = Instant.now();
        long recipeMillis;
        long guardMillis;
        String variantSha256;
        long variantBytes;

        Attempt(Job job, String key) {
            this.job = job;
            this.key = key;
        }

        Variant report(Variant.Outcome outcome, String reason, Variant.Metrics metrics, Path file) {
            ModelVersion v = job.version();
            return new Variant(v.name(), v.version(), job.recipe(), job.options(), key, outcome, reason, metrics,
                    job.thresholds(), v.sha256(), v.size(), variantSha256, variantBytes, onnxRuntime, recipeMillis,
                    guardMillis, Instant.now(), false, file);
        }

        /** Writes the FAILED report (so that operators see why), deletes any file, and returns the exception. */
        OptimizerException fail(Path dir, Reason reason, String message, Exception cause) {
            Variant failed = report(Variant.Outcome.FAILED, message, null, null);
            try {
                Files.deleteIfExists(dir.resolve(ModelStore.MODEL_FILE));
                Reports.write(dir, failed, Map.of());
            } catch (IOException e) {
                LOG.warn("Cannot write the report of a failed variant in {}: {}", dir, e.toString());
            }
            return new OptimizerException(reason, message, failed, cause);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void force(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }
}
