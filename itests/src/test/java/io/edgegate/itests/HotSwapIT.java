package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.SessionCounts;
import io.edgegate.model.Tensor;

/**
 * Models and accelerator providers change under load: 8 clients (4 in-process, 4 over HTTP) infer without
 * pause while 10 versions are dropped in, a model is unloaded and loaded through the repository API, the CPU
 * provider bundle is stopped, started and updated 10 times, and a corrupt version is dropped in. No request
 * may fail, every answer must match the version that says it answered, and every replaced session must be
 * closed.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotSwapIT {
    static final String MODEL = "plus";
    static final String AUX = "aux";

    @Inject
    BundleContext context;

    @Inject
    InferenceService inference;

    @Configuration
    public Option[] config() throws IOException {
        Path home = TestGateway.home("HotSwapIT");
        PlusModel.write(home.resolve("models"), MODEL, 1);
        PlusModel.write(home.resolve("models"), AUX, 1);
        // The test moves these in while it runs; the framework has no ONNX writer of its own.
        for (long v = 2; v <= 11; v++) {
            PlusModel.write(home.resolve("staging"), MODEL, v);
        }
        // signed, but not an ONNX model: it must fail to load while 11 keeps serving
        Path corrupt = home.resolve("staging").resolve(MODEL).resolve("12").resolve("model.onnx");
        Files.createDirectories(corrupt.getParent());
        Files.write(corrupt, "not a model at all".getBytes());
        return TestGateway.options(home);
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong served = new AtomicLong();
    private final Map<Long, AtomicLong> byVersion = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    @Test
    public void versionsAndProvidersChangeUnderLoadWithoutAFailedRequest() throws Exception {
        awaitVersion(MODEL, 1);
        Http http = new Http(Integer.parseInt(context.getProperty("org.osgi.service.http.port")));
        Path models = Path.of(context.getProperty("edgegate.home"), "models");
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            boolean overHttp = i % 2 == 1;
            Thread t = new Thread(() -> clientLoop(overHttp ? http : null), "client-" + i);
            t.start();
            clients.add(t);
        }
        try {
            Thread.sleep(300);
            // 10 new versions, dropped in as folders
            Path staging = models.resolveSibling("staging").resolve(MODEL);
            for (long v = 2; v <= 11; v++) {
                Files.move(staging.resolve(Long.toString(v)), models.resolve(MODEL).resolve(Long.toString(v)));
                awaitVersion(MODEL, v);
            }
            // the repository API, on a model of its own and on the one under load
            assertEquals(200, http.post("/v2/repository/models/" + AUX + "/unload", "").status());
            assertEquals(ModelStatus.State.UNLOADED, inference.model(AUX, 1L).state());
            assertEquals(200, http.post("/v2/repository/models/" + AUX + "/load", "").status());
            assertEquals(ModelStatus.State.READY, inference.model(AUX, null).state());
            assertEquals(200, http.post("/v2/repository/models/" + MODEL + "/load", "").status());
            JsonNode index = http.post("/v2/repository/index", "{}").json();
            assertTrue(index.toString(), index.toString().contains("\"name\":\"" + MODEL + "\",\"version\":\"11\","
                    + "\"state\":\"READY\""));
            // the accelerator provider bundle goes and comes back, 10 times
            Bundle cpu = bundle("io.edgegate.accelerator-cpu");
            for (int i = 0; i < 10; i++) {
                long closedBefore = inference.sessions().closed();
                if (i % 2 == 0) {
                    cpu.stop();
                    Thread.sleep(50);
                    cpu.start();
                } else {
                    cpu.update();
                }
                awaitClosedAtLeast(closedBefore + 1);
            }
            // a corrupt version: never answers, 11 keeps serving
            Files.move(staging.resolve("12"), models.resolve(MODEL).resolve("12"));
            awaitState(MODEL, 12, ModelStatus.State.FAILED);
            Thread.sleep(500);
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }
        }
        assertTrue("failed requests: " + failures.size() + ", first: " + failures.peek(), failures.isEmpty());
        assertTrue("too few requests served: " + served, served.get() > 200);
        assertEquals("the corrupt version never answered", null, byVersion.get(12L));
        assertEquals(11, inference.model(MODEL, null).version());
        // every replaced session closed: what is open is what serves (plus and aux)
        SessionCounts counts = awaitDrained(2);
        assertTrue("sessions replaced: " + counts, counts.closed() >= 20);
        System.out.println("[HotSwapIT] served " + served + " requests, by version " + byVersion + "; " + counts);
    }

    private void clientLoop(Http http) {
        while (running.get()) {
            float[] x = new float[4];
            for (int i = 0; i < 4; i++) {
                x[i] = ThreadLocalRandom.current().nextInt(-1000, 1000) / 8f;
            }
            try {
                long version;
                float[] y;
                if (http == null) {
                    InferenceResponse r = inference.infer(InferenceRequest.of(MODEL,
                            List.of(Tensor.ofFloats("x", new long[] {1, 4}, x))));
                    version = r.version();
                    y = r.output("y").orElseThrow().floats();
                } else {
                    ObjectNode req = Http.JSON.createObjectNode();
                    ObjectNode in = req.putArray("inputs").addObject();
                    in.put("name", "x").put("datatype", "FP32");
                    in.putArray("shape").add(1).add(4);
                    for (float f : x) {
                        in.withArray("data").add(f);
                    }
                    Http.Response r = http.post("/v2/models/" + MODEL + "/infer", req);
                    if (r.status() != 200) {
                        failures.add("HTTP " + r.status() + ": " + r.body());
                        continue;
                    }
                    JsonNode json = r.json();
                    version = json.path("model_version").asLong();
                    JsonNode data = json.path("outputs").get(0).path("data");
                    y = new float[4];
                    for (int i = 0; i < 4; i++) {
                        y[i] = (float) data.get(i).asDouble();
                    }
                }
                for (int i = 0; i < 4; i++) {
                    if (Math.abs(y[i] - (x[i] + version)) > 1e-4) {
                        failures.add("version " + version + " answered " + y[i] + " for " + x[i]);
                    }
                }
                byVersion.computeIfAbsent(version, v -> new AtomicLong()).incrementAndGet();
                served.incrementAndGet();
            } catch (Exception e) {
                failures.add(e.toString());
            }
        }
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    private void awaitVersion(String model, long version) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                ModelStatus s = inference.model(model, null);
                if (s.version() == version && s.isReady()) {
                    return;
                }
            } catch (io.edgegate.inference.InferenceException e) {
                // not known yet
            }
            assertTrue(model + " version " + version + " not serving in 30 s: " + inference.models(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
    }

    private void awaitState(String model, long version, ModelStatus.State state) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                if (inference.model(model, version).state() == state) {
                    return;
                }
            } catch (io.edgegate.inference.InferenceException e) {
                // not known yet
            }
            assertTrue(model + "/" + version + " not " + state + " in 30 s: " + inference.models(),
                    System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
    }

    private void awaitClosedAtLeast(long closed) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (inference.sessions().closed() < closed) {
            assertTrue("no session replaced in 30 s: " + inference.sessions(), System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
    }

    private SessionCounts awaitDrained(long open) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            SessionCounts c = inference.sessions();
            if (c.opened() - c.closed() == open) {
                return c;
            }
            assertTrue("sessions not drained: " + c + " " + inference.models(), System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
    }
}
