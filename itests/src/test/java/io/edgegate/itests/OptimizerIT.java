package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.model.Tensor;
import io.edgegate.optimizer.ModelOptimizer;
import io.edgegate.optimizer.OptimizerException;
import io.edgegate.optimizer.Variant;
import io.edgegate.store.ModelStore;
import io.edgegate.store.ModelVersion;

/**
 * The optimizer in a real Felix with every feature: a version whose model.json gains an {@code optimize} section while
 * clients infer (in-process and over HTTP) ends up served from its accepted INT8 variant with no failed request; a
 * harmful recipe, asked for by model.json or through the service, is rejected and never serves; the HTTP metadata and
 * the shell list the variants.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OptimizerIT {
    static final String MODEL = "mm";
    static final String HARM = "harm";
    static final String OPTIMIZE = "{\"optimize\": {\"recipe\": \"int8-dynamic\", \"serve\": true}}\n";

    @Inject
    BundleContext context;

    @Inject
    InferenceService inference;

    @Inject
    ModelStore store;

    @Inject
    ModelOptimizer optimizer;

    @Inject
    CommandProcessor shell;

    @Configuration
    public Option[] config() throws IOException {
        Path home = TestGateway.home("OptimizerIT");
        MatMulModel.write(home.resolve("models"), MODEL, 1);
        MatMulModel.write(home.resolve("staging"), MODEL, 2);
        MatMulModel.write(home.resolve("models"), HARM, 1);
        // a broken scale, asked for by model.json: the guard must reject it, and the signed model keep serving
        Files.writeString(home.resolve("models").resolve(HARM).resolve("1").resolve("model.json"),
                "{\"optimize\": {\"recipe\": \"int8-dynamic\", \"options\": {\"debugScaleFactor\": 0.05}}}\n");
        return TestGateway.options(home);
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong served = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    @Test
    public void aVersionAskingForAnInt8VariantEndsUpServingItWithoutAFailedRequest() throws Exception {
        await("mm 1 serves", () -> serving(MODEL) == 1);
        Http http = new Http(Integer.parseInt(context.getProperty("org.osgi.service.http.port")));
        Path models = Path.of(context.getProperty("edgegate.home"), "models");
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            boolean overHttp = i % 2 == 1;
            Thread t = new Thread(() -> clientLoop(overHttp ? http : null), "client-" + i);
            t.start();
            clients.add(t);
        }
        float[] x0 = input(7);
        float[] signed;
        try {
            // a new version, dropped in while the clients run
            Files.move(models.resolveSibling("staging").resolve(MODEL).resolve("2"), models.resolve(MODEL)
                    .resolve("2"));
            await("mm 2 serves", () -> serving(MODEL) == 2);
            signed = infer(MODEL, x0);
            // its model.json asks for the INT8 variant: made, judged, and swapped in, all under load
            Files.writeString(models.resolve(MODEL).resolve("2").resolve("model.json"), OPTIMIZE);
            await("the store serves mm 2 from its variant", () -> store.version(MODEL, 2)
                    .flatMap(ModelVersion::variant).isPresent());
            await("the inference service swapped to the variant", () -> {
                float[] now = infer(MODEL, x0);
                return now != null && maxAbsDiff(signed, now) > 1e-5;
            });
            Thread.sleep(300);
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }
        }
        assertTrue("failed requests: " + failures.size() + ", first: " + failures.peek(), failures.isEmpty());
        assertTrue("too few requests served: " + served, served.get() > 50);
        float[] variant = infer(MODEL, x0);
        assertTrue("the variant agrees with the signed model", cosine(signed, variant) > 0.99);

        ModelVersion v = store.version(MODEL, 2).orElseThrow();
        Variant report = optimizer.variants(MODEL, 2).get(0);
        assertTrue(report.toString(), report.accepted() && report.served());
        assertEquals(v.variant().orElseThrow().key(), report.key());
        assertEquals(report.modelFile().orElseThrow(), v.modelFile());
        assertEquals("the metadata names the signed content", v.sha256(), inference.model(MODEL, 2L).sha256()
                .orElseThrow());
        assertEquals(v.sha256(), report.sourceSha256());
        assertTrue(report.variantBytes() + " of " + report.sourceBytes(),
                report.variantBytes() < 0.35 * report.sourceBytes());

        // the REST metadata lists the variants of the serving version
        JsonNode meta = http.get("/v2/models/" + MODEL).json();
        assertEquals(meta.toString(), "2", meta.path("version").asText());
        JsonNode listed = meta.path("variants").get(0);
        assertNotNull(meta.toString(), listed);
        assertEquals("int8-dynamic", listed.path("recipe").asText());
        assertEquals(report.key(), listed.path("key").asText());
        assertTrue(listed.toString(), listed.path("accepted").asBoolean() && listed.path("served").asBoolean());
        assertTrue(listed.toString(), listed.path("cosineMean").asDouble() >= 0.99);
        assertEquals(report.variantBytes(), listed.path("bytes").asLong());
        System.out.println("[OptimizerIT] served " + served + " requests; " + listed);
    }

    @Test
    public void aHarmfulRecipeIsRejectedAndNeverServes() throws Exception {
        await("harm serves", () -> serving(HARM) == 1);
        // asked for by model.json: judged in the background, rejected
        await("the background verdict on harm", () -> !optimizer.variants(HARM, 1).isEmpty());
        Variant background = optimizer.variants(HARM, 1).get(0);
        assertEquals(Variant.Outcome.REJECTED, background.outcome());
        assertTrue(background.reason(), background.reason().contains("below minCosine"));

        // and through the service
        OptimizerException e = refusal(() -> optimizer.optimize(HARM, 1, "int8-dynamic",
                Map.of("debugScaleFactor", "0.02"), null));
        assertEquals(e.getMessage(), OptimizerException.Reason.REJECTED, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("cosine similarity"));
        ModelVersion v = store.version(HARM, 1).orElseThrow();
        assertFalse("a rejected variant never serves", v.variant().isPresent());
        assertEquals(v.sourceFile(), v.modelFile());
        List<Variant> int8 = optimizer.variants(HARM, 1).stream().filter(r -> r.recipe().equals("int8-dynamic"))
                .toList();
        assertEquals(int8.toString(), 2, int8.size());
        assertTrue(int8.stream().noneMatch(r -> r.served() || r.modelFile().isPresent()));
        assertEquals(ModelStatus.State.READY, inference.model(HARM, 1L).state());

        Http http = new Http(Integer.parseInt(context.getProperty("org.osgi.service.http.port")));
        JsonNode variants = http.get("/v2/models/" + HARM + "/versions/1").json().path("variants");
        int listed = 0;
        for (JsonNode r : variants) {
            if (!r.path("recipe").asText().equals("int8-dynamic")) {
                continue; // the shell's test may have added an fp16 one
            }
            listed++;
            assertEquals(r.toString(), "REJECTED", r.path("outcome").asText());
            assertFalse(r.toString(), r.path("served").asBoolean());
            assertTrue(r.toString(), r.path("reason").asText().startsWith("cosine similarity"));
        }
        assertEquals(variants.toString(), 2, listed);
    }

    @Test
    public void theShellOptimizesWithProgressAndListsTheVariants() throws Exception {
        await("harm serves", () -> serving(HARM) == 1);
        ServiceTracker<Object, Object> commands = new ServiceTracker<>(context,
                context.createFilter("(&(osgi.command.scope=edgegate)(osgi.command.function=optimize))"), null);
        commands.open();
        try {
            assertNotNull("no edgegate:optimize in 30 s", commands.waitForService(TimeUnit.SECONDS.toMillis(30)));
        } finally {
            commands.close();
        }
        await("the background verdict on harm", () -> !optimizer.variants(HARM, 1).isEmpty());
        String out = shell("edgegate:optimize " + HARM + " 1 fp16 samples=5");
        for (long deadline = System.currentTimeMillis() + 60_000; out.contains("(BUSY)")
                && System.currentTimeMillis() < deadline; Thread.sleep(100)) {
            out = shell("edgegate:optimize " + HARM + " 1 fp16 samples=5"); // the background's turn: retry
        }
        assertTrue(out, out.contains("100% "));
        assertTrue(out, out.contains("ACCEPTED: fp16 variant "));
        assertTrue(out, out.contains("(5 generated samples)"));
        String table = shell("edgegate:variants " + HARM + " 1");
        assertTrue(table, table.lines().anyMatch(l -> l.matches("1\\s+fp16\\s+[0-9a-f]{16}\\s+ACCEPTED\\s+no\\s.*")));
    }

    /** An optimization that must be refused; one refused as BUSY (background work's turn) is asked again. */
    private static OptimizerException refusal(Attempt attempt) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                attempt.run();
                throw new AssertionError("not refused");
            } catch (OptimizerException e) {
                if (e.reason() != OptimizerException.Reason.BUSY || System.currentTimeMillis() > deadline) {
                    return e;
                }
                Thread.sleep(100);
            }
        }
    }

    @FunctionalInterface
    private interface Attempt {
        void run() throws OptimizerException;
    }

    private String shell(String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CommandSession session = shell.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            Object result = session.execute(line);
            return out.toString(StandardCharsets.UTF_8) + (result == null ? "" : result.toString());
        }
    }

    private void clientLoop(Http http) {
        while (running.get()) {
            float[] x = input(ThreadLocalRandom.current().nextLong());
            try {
                float[] y;
                if (http == null) {
                    y = inference.infer(InferenceRequest.of(MODEL, List.of(Tensor.ofFloats("x",
                            new long[] {1, MatMulModel.WIDTH}, x)))).output("y").orElseThrow().floats();
                } else {
                    ObjectNode req = Http.JSON.createObjectNode();
                    ObjectNode in = req.putArray("inputs").addObject();
                    in.put("name", "x").put("datatype", "FP32");
                    in.putArray("shape").add(1).add(MatMulModel.WIDTH);
                    for (float f : x) {
                        in.withArray("data").add(f);
                    }
                    Http.Response r = http.post("/v2/models/" + MODEL + "/infer", req);
                    if (r.status() != 200) {
                        failures.add("HTTP " + r.status() + ": " + r.body());
                        continue;
                    }
                    JsonNode data = r.json().path("outputs").get(0).path("data");
                    y = new float[data.size()];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = (float) data.get(i).asDouble();
                    }
                }
                if (y.length != MatMulModel.WIDTH) {
                    failures.add("an output of " + y.length + " values");
                }
                for (float f : y) {
                    if (!Float.isFinite(f)) {
                        failures.add("a value that is not finite");
                        break;
                    }
                }
                served.incrementAndGet();
            } catch (Exception e) {
                failures.add(e.toString());
            }
        }
    }

    private static float[] input(long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] x = new float[MatMulModel.WIDTH];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private float[] infer(String model, float[] x) {
        try {
            return inference.infer(InferenceRequest.of(model, List.of(Tensor.ofFloats("x",
                    new long[] {1, MatMulModel.WIDTH}, x)))).output("y").orElseThrow().floats();
        } catch (InferenceException e) {
            return null;
        }
    }

    /** The version that answers requests without a version, or 0. */
    private long serving(String model) {
        try {
            ModelStatus s = inference.model(model, null);
            return s.isReady() ? s.version() : 0;
        } catch (InferenceException e) {
            return 0;
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            assertTrue("not in 60 s: " + what, System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
    }
}
