package io.edgegate.inference.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceException.Reason;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.model.Tensor;
import io.edgegate.store.impl.FileSystemModelStore;
import io.edgegate.testkit.OnnxModelBuilder;

class OnnxInferenceServiceTest {
    private static final long[] ROW = {1, 4};

    @TempDir
    Path home;
    Path root;

    @BeforeEach
    void modelsFolder() {
        root = home.resolve("models");
    }
    private OnnxInferenceService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.deactivate();
        }
    }

    private static InferenceRequest request(String model, Long version, Tensor... inputs) {
        return new InferenceRequest(model, version, null, List.of(inputs), List.of());
    }

    private static Tensor x(float... values) {
        return Tensor.ofFloats("x", new long[] {values.length / 4, 4}, values);
    }

    private InferenceException fails(Reason reason, InferenceRequest request) {
        InferenceException e = assertThrows(InferenceException.class, () -> service.infer(request));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    private void invalid(InferenceRequest request, String... mentions) {
        String message = fails(Reason.INVALID_INPUT, request).getMessage();
        for (String m : mentions) {
            assertTrue(message.contains(m), "'" + message + "' does not mention " + m);
        }
    }

    // --- serving --------------------------------------------------------------------------------------

    @Test
    void addModelComputes() throws Exception {
        Gateways.add(root, "add", 1, 10f);
        service = Gateways.start(root);

        InferenceResponse r = service.infer(request("add", 1L, x(1, 2, 3, 4, -1, -2, -3, -4)));

        assertEquals(1, r.version());
        Tensor y = r.output("y").orElseThrow();
        assertArrayEquals(new long[] {2, 4}, y.shape());
        assertArrayEquals(new float[] {11, 12, 13, 14, 9, 8, 7, 6}, y.floats());
    }

    @Test
    void requestWithoutVersionGoesToTheNewestReadyVersion() throws Exception {
        Gateways.add(root, "add", 1, 1f);
        Gateways.add(root, "add", 2, 2f);
        Files.write(Gateways.version(root, "add", 3).resolve("model.onnx"), new byte[] {1, 2, 3});
        Gateways.servesAllVersions(root, "add");
        service = Gateways.start(root);

        InferenceResponse newest = service.infer(request("add", null, x(0, 0, 0, 0)));
        assertEquals(2, newest.version());
        assertArrayEquals(new float[] {2, 2, 2, 2}, newest.output("y").orElseThrow().floats());
        assertEquals(2, service.model("add", null).version());

        InferenceResponse first = service.infer(request("add", 1L, x(0, 0, 0, 0)));
        assertEquals(1, first.version());
        assertArrayEquals(new float[] {1, 1, 1, 1}, first.output("y").orElseThrow().floats());

        fails(Reason.MODEL_NOT_READY, request("add", 3L, x(0, 0, 0, 0)));
    }

    @Test
    void listsEveryVersionWithItsState() throws Exception {
        Gateways.add(root, "b", 2, 0f);
        Gateways.add(root, "b", 1, 0f);
        Gateways.servesAllVersions(root, "b");
        Files.write(Gateways.version(root, "a", 1).resolve("model.onnx"), new byte[0]);
        service = Gateways.start(root);

        List<ModelStatus> all = service.models();

        assertEquals(List.of("a/1", "b/1", "b/2"), all.stream().map(s -> s.name() + "/" + s.version()).toList());
        assertEquals(List.of(State.FAILED, State.READY, State.READY), all.stream().map(ModelStatus::state).toList());
        assertTrue(all.get(1).sha256().isPresent());
    }

    @Test
    void selectedOutputsOnly() throws Exception {
        new OnnxModelBuilder()
                .input("x", OnnxModelBuilder.FLOAT, -1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4)
                .output("z", OnnxModelBuilder.FLOAT, -1, 4)
                .node("Identity", List.of("x"), List.of("y"))
                .node("Neg", List.of("x"), List.of("z"))
                .write(Gateways.version(root, "two", 1).resolve("model.onnx"));
        service = Gateways.start(root);

        InferenceResponse r = service.infer(
                new InferenceRequest("two", null, null, List.of(x(1, 2, 3, 4)), List.of("z")));

        assertEquals(List.of("z"), r.outputs().stream().map(Tensor::name).toList());
        assertArrayEquals(new float[] {-1, -2, -3, -4}, r.output("z").orElseThrow().floats());
        invalid(new InferenceRequest("two", null, null, List.of(x(1, 2, 3, 4)), List.of("w")), "'w'");
    }

    // --- what is not found or not ready ----------------------------------------------------------------

    @Test
    void unknownModelOrVersionIsNotFound() throws Exception {
        Gateways.add(root, "add", 1, 1f);
        service = Gateways.start(root);

        assertTrue(fails(Reason.MODEL_NOT_FOUND, request("nope", null, x(0, 0, 0, 0))).getMessage()
                .contains("'nope'"));
        assertTrue(fails(Reason.MODEL_NOT_FOUND, request("add", 7L, x(0, 0, 0, 0))).getMessage().contains("7"));
        InferenceException e = assertThrows(InferenceException.class, () -> service.model("nope", null));
        assertEquals(Reason.MODEL_NOT_FOUND, e.reason());
        e = assertThrows(InferenceException.class, () -> service.model("add", 2L));
        assertEquals(Reason.MODEL_NOT_FOUND, e.reason());
    }

    @Test
    void corruptModelFailsWhileAnotherKeepsServing() throws Exception {
        Files.write(Gateways.version(root, "broken", 1).resolve("model.onnx"), "garbage".getBytes());
        Gateways.add(root, "good", 1, 5f);
        service = Gateways.start(root);

        assertTrue(service.isReady());
        ModelStatus broken = service.model("broken", 1L);
        assertEquals(State.FAILED, broken.state());
        String reason = broken.reason().orElseThrow();
        assertTrue(reason.contains("model.onnx"), reason);
        String message = fails(Reason.MODEL_NOT_READY, request("broken", null, x(0, 0, 0, 0))).getMessage();
        assertTrue(message.contains("'broken'") && message.contains(reason), message);

        assertArrayEquals(new float[] {5, 6, 7, 8},
                service.infer(request("good", null, x(0, 1, 2, 3))).output("y").orElseThrow().floats());
    }

    @Test
    void modelThatOnnxRuntimeRefusesFailsWithItsReason() throws Exception {
        // A well-formed file whose graph uses an operator that does not exist.
        new OnnxModelBuilder()
                .input("x", OnnxModelBuilder.FLOAT, -1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4)
                .node("NoSuchOperator", List.of("x"), List.of("y"))
                .write(Gateways.version(root, "odd", 1).resolve("model.onnx"));
        Gateways.add(root, "good", 1, 0f);
        service = Gateways.start(root);

        ModelStatus odd = service.model("odd", 1L);
        assertEquals(State.FAILED, odd.state());
        assertTrue(odd.reason().orElseThrow().contains("NoSuchOperator"), odd.reason().get());
        fails(Reason.MODEL_NOT_READY, request("odd", null, x(0, 0, 0, 0)));
        assertEquals(State.READY, service.model("good", 1L).state());
    }

    @Test
    void modelJsonThatDisagreesWithTheModelFails() throws Exception {
        Path file = Gateways.add(root, "add", 1, 0f);
        Files.writeString(file.resolveSibling("model.json"),
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"INT64\", \"shape\": [-1, 4]}]}");
        service = Gateways.start(root);

        ModelStatus s = service.model("add", 1L);
        assertEquals(State.FAILED, s.state());
        assertTrue(s.reason().orElseThrow().contains("model.json"), s.reason().get());
    }

    @Test
    void versionsWaitForAnAcceleratorProvider() throws Exception {
        Gateways.add(root, "add", 1, 1f);
        service = new OnnxInferenceService(Gateways.store(root));

        // Give the loader time to look at the version without a provider.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (service.model("add", 1L).reason().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertFalse(service.isReady());
        assertEquals(State.LOADING, service.model("add", 1L).state());
        fails(Reason.MODEL_NOT_READY, request("add", null, x(0, 0, 0, 0)));

        service.addProvider(Gateways.cpu(), Map.of());
        Gateways.awaitReady(service);

        assertEquals(State.READY, service.model("add", 1L).state());
        assertEquals(1, service.infer(request("add", null, x(0, 0, 0, 0))).version());
    }

    // --- invalid input ---------------------------------------------------------------------------------

    @Test
    void invalidInputsAreRefusedNamingTheInput() throws Exception {
        new OnnxModelBuilder()
                .input("a", OnnxModelBuilder.FLOAT, -1, 4)
                .input("b", OnnxModelBuilder.FLOAT, 1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4)
                .node("Add", List.of("a", "b"), List.of("y"))
                .write(Gateways.version(root, "sum", 1).resolve("model.onnx"));
        service = Gateways.start(root);
        Tensor a = Tensor.ofFloats("a", ROW, 1, 2, 3, 4);
        Tensor b = Tensor.ofFloats("b", ROW, 1, 1, 1, 1);
        assertArrayEquals(new float[] {2, 3, 4, 5},
                service.infer(request("sum", null, a, b)).output("y").orElseThrow().floats());

        invalid(request("sum", null, a, b, Tensor.ofFloats("c", ROW, 0, 0, 0, 0)), "unknown input 'c'");
        invalid(request("sum", null, a), "missing input 'b'");
        invalid(request("sum", null, a, Tensor.ofLongs("b", ROW, 1, 1, 1, 1)), "'b'", "INT64", "FP32");
        invalid(request("sum", null, a, Tensor.ofInts("b", ROW, 1, 1, 1, 1)), "'b'", "INT32");
        invalid(request("sum", null, a, Tensor.ofFloats("b", new long[] {4}, 1, 1, 1, 1)), "'b'", "shape");
        invalid(request("sum", null, a, Tensor.ofFloats("b", new long[] {1, 1, 4}, 1, 1, 1, 1)), "'b'");
        invalid(request("sum", null, a, Tensor.ofFloats("b", new long[] {2, 4}, new float[8])), "'b'", "[1, 4]");
        invalid(request("sum", null, Tensor.ofFloats("a", new long[] {1, 3}, 1, 2, 3), b), "'a'", "[any, 4]");
        invalid(request("sum", null, a, b, b), "'b'", "twice");
    }

    @Test
    void zeroSizedBatchIsServedOrRefusedButNeverCrashes() throws Exception {
        Gateways.add(root, "add", 1, 1f);
        service = Gateways.start(root);

        try {
            InferenceResponse r = service.infer(request("add", null, Tensor.ofFloats("x", new long[] {0, 4})));
            assertArrayEquals(new long[] {0, 4}, r.output("y").orElseThrow().shape());
        } catch (InferenceException e) {
            assertEquals(Reason.INVALID_INPUT, e.reason(), e.getMessage());
        }
        // The model still serves afterwards.
        assertEquals(1, service.infer(request("add", null, x(0, 0, 0, 0))).version());
    }

    // --- concurrency and life cycle --------------------------------------------------------------------

    @Test
    void eightThreadsGetTheirOwnResults() throws Exception {
        Gateways.add(root, "add", 1, 0.5f);
        service = Gateways.start(root);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    go.await();
                    int checked = 0;
                    for (int i = 0; i < 100; i++) {
                        float base = thread * 1000 + i;
                        int rows = 1 + (i % 3);
                        float[] in = new float[rows * 4];
                        for (int k = 0; k < in.length; k++) {
                            in[k] = base + k;
                        }
                        float[] out = service.infer(request("add", null, x(in))).output("y").orElseThrow().floats();
                        assertEquals(in.length, out.length);
                        for (int k = 0; k < in.length; k++) {
                            assertEquals(in[k] + 0.5f, out[k], "thread " + thread + " request " + i);
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            go.countDown();
            for (Future<Integer> f : done) {
                assertEquals(100, f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deactivateClosesEverySessionExactlyOnce() throws Exception {
        Gateways.add(root, "add", 1, 1f);
        Gateways.add(root, "add", 2, 2f);
        Gateways.servesAllVersions(root, "add");
        Gateways.add(root, "other", 1, 3f);
        Files.write(Gateways.version(root, "broken", 1).resolve("model.onnx"), new byte[] {9});
        service = Gateways.start(root);
        service.infer(request("add", null, x(0, 0, 0, 0)));
        long before = service.sessions().closed();

        service.deactivate();
        assertEquals(before + 3, service.sessions().closed());

        service.deactivate();
        assertEquals(before + 3, service.sessions().closed());
        // A stopped service serves nothing, and says so as a state a client can act on.
        fails(Reason.MODEL_NOT_READY, request("add", null, x(0, 0, 0, 0)));
        service = null;
    }

    @Test
    void deactivateDuringTrafficWaitsForRunningRequests() throws Exception {
        Gateways.add(root, "add", 1, 1f);
        service = Gateways.start(root);
        long before = service.sessions().closed();
        float[] in = new float[4 * 2048];
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch running = new CountDownLatch(4);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    running.countDown();
                    int served = 0;
                    while (true) {
                        InferenceResponse r;
                        try {
                            r = service.infer(request("add", null, x(in)));
                        } catch (InferenceException e) {
                            assertEquals(Reason.MODEL_NOT_READY, e.reason(), e.getMessage());
                            return served;
                        }
                        assertEquals(1f, r.output("y").orElseThrow().floats()[4 * 2048 - 1]);
                        served++;
                    }
                }));
            }
            running.await();
            Thread.sleep(50);
            service.deactivate();
            int served = 0;
            for (Future<Integer> f : done) {
                served += f.get(30, TimeUnit.SECONDS);
            }
            assertTrue(served > 0, "no request ran before the stop");
            assertEquals(before + 1, service.sessions().closed());
        } finally {
            pool.shutdownNow();
            service = null;
        }
    }
}
