package io.edgegate.inference.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.edgegate.accelerator.cpu.impl.CpuAcceleratorProvider;
import io.edgegate.accelerator.spi.AcceleratorProvider;
import io.edgegate.accelerator.spi.SessionSettings;
import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.model.Tensor;
import io.edgegate.store.impl.FileSystemModelStore;

/** Versions and providers change while the service runs; every swap drains and closes what it replaced. */
class HotSwapTest {
    @TempDir
    Path home;
    Path root;

    @BeforeEach
    void modelsFolder() {
        root = home.resolve("models");
    }

    private FileSystemModelStore store;
    private OnnxInferenceService service;
    private CpuAcceleratorProvider cpu;

    @AfterEach
    void stop() {
        if (service != null) {
            service.deactivate();
        }
    }

    private void start() throws Exception {
        store = Gateways.store(root);
        service = new OnnxInferenceService(store);
        store.addListener(service);
        cpu = Gateways.cpu();
        service.addProvider(cpu, Map.of());
        Gateways.awaitReady(service);
    }

    private InferenceResponse infer(String model) throws InferenceException {
        return service.infer(InferenceRequest.of(model, List.of(Tensor.ofFloats("x", new long[] {1, 4}, 0, 0, 0, 0))));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "not in 20 s: " + what);
            Thread.sleep(5);
        }
    }

    private long open() {
        return service.sessions().opened() - service.sessions().closed();
    }

    @Test
    void aNewVersionTakesOverAndTheOldOneIsClosed() throws Exception {
        Gateways.add(root, "m", 1, 1f);
        start();
        assertEquals(1, infer("m").version());

        Gateways.add(root, "m", 2, 2f);
        store.rescan();
        await("version 2 serves", () -> {
            try {
                return infer("m").version() == 2;
            } catch (InferenceException e) {
                return false;
            }
        });
        assertEquals(2f, infer("m").output("y").orElseThrow().floats()[0]);
        await("version 1 closed", () -> open() == 1);
        assertThrows(InferenceException.class, () -> service.model("m", 1L), "the latest-1 policy drops v1");
    }

    @Test
    void aVersionThatFailsNeverDisplacesTheOneThatServes() throws Exception {
        Gateways.add(root, "m", 1, 1f);
        start();
        Path corrupt = Gateways.version(root, "m", 2).resolve("model.onnx");
        Files.write(corrupt, new byte[] {7, 7, 7});
        Gateways.trust(root).signModel(corrupt, "m", 2);
        store.rescan();
        await("version 2 failed", () -> {
            try {
                return service.model("m", 2L).state() == State.FAILED;
            } catch (InferenceException e) {
                return false;
            }
        });
        assertEquals(1, infer("m").version());
        assertTrue(service.model("m", 2L).reason().orElseThrow().contains("not a readable ONNX model"));
        assertEquals(1, open());
    }

    @Test
    void theLatestTwoServeUnderThatPolicy() throws Exception {
        Files.createDirectories(root.resolve("m"));
        Files.writeString(root.resolve("m/model.json"), "{\"version_policy\": {\"latest\": {\"num_versions\": 2}}}");
        Gateways.add(root, "m", 1, 1f);
        Gateways.add(root, "m", 2, 2f);
        Gateways.add(root, "m", 3, 3f);
        start();
        assertEquals(3, infer("m").version());
        assertEquals(State.READY, service.model("m", 2L).state());
        assertEquals(2f, service.infer(new InferenceRequest("m", 2L, null, List.of(Tensor.ofFloats("x",
                new long[] {1, 4}, 0, 0, 0, 0)), null)).output("y").orElseThrow().floats()[0]);
        assertThrows(InferenceException.class, () -> service.model("m", 1L));
        assertEquals(2, open());
    }

    @Test
    void versionsSeenBeforeAnyProviderSettleOnceOneComes() throws Exception {
        Files.createDirectories(root.resolve("m"));
        Files.writeString(root.resolve("m/model.json"), "{\"version_policy\": {\"latest\": {\"num_versions\": 2}}}");
        Gateways.add(root, "m", 1, 1f);
        Gateways.add(root, "m", 2, 2f);
        Gateways.add(root, "m", 3, 3f);
        service = new OnnxInferenceService(Gateways.store(root));
        await("every version waits for a provider", () -> service.models().stream()
                .allMatch(m -> m.reason().orElse("").contains("waiting")));
        assertFalse(service.isReady());

        service.addProvider(Gateways.cpu(), Map.of());
        Gateways.awaitReady(service);
        assertEquals(List.of(2L, 3L), service.models().stream().map(m -> m.version()).toList());
        assertEquals(3, infer("m").version());
    }

    @Test
    void anUpdatedProviderRebuildsTheSessionsAndTheOldProviderLeavesThemServing() throws Exception {
        Gateways.add(root, "m", 1, 1f);
        start();
        long closed = service.sessions().closed();
        // the CPU provider goes: its sessions need no library of its own, so they go on serving
        service.removeProvider(cpu);
        assertEquals(1, infer("m").version());
        assertEquals(closed, service.sessions().closed());
        // a new instance appears (a bundle update): the session is rebuilt on it, the old one closed
        service.addProvider(Gateways.cpu(), Map.of());
        await("old session closed", () -> service.sessions().closed() == closed + 1);
        assertEquals(1, infer("m").version());
        assertEquals(1, open());
    }

    @Test
    void sessionsOfAProviderWithALibraryMoveBeforeItLeaves() throws Exception {
        Gateways.add(root, "m", 1, 1f);
        start();
        Plugin plugin = new Plugin();
        service.addProvider(plugin, Map.of("service.ranking", 100, "service.id", 99L));
        await("moved to the plugin", () -> plugin.sessions > 0 && service.models().get(0).provider()
                .orElse("").equals("plugin") && open() == 1);

        service.removeProvider(plugin);
        // on return, nothing of the plugin's is open any more: it may unregister its library now
        assertEquals(1, open());
        assertEquals("cpu", service.model("m", null).provider().orElseThrow());
        assertEquals(1, infer("m").version());
    }

    @Test
    void unloadStopsServingAndLoadBringsItBack() throws Exception {
        Gateways.add(root, "m", 1, 1f);
        start();
        service.unload("m");
        assertEquals(State.UNLOADED, service.model("m", 1L).state());
        assertThrows(InferenceException.class, () -> infer("m"));
        await("session closed", () -> open() == 0);

        service.load("m");
        assertEquals(1, infer("m").version());
        InferenceException e = assertThrows(InferenceException.class, () -> service.load("nope"));
        assertEquals(InferenceException.Reason.MODEL_NOT_FOUND, e.reason());
    }

    @Test
    void anAcceptedVariantOfTheSameVersionSwapsInWhenTheStoreIsRefreshed() throws Exception {
        Gateways.add(root, "m", 1, 1f);
        Files.writeString(root.resolve("m/1/model.json"), "{\"optimize\": {\"recipe\": \"fp16\"}}");
        start();
        assertEquals(1f, infer("m").output("y").orElseThrow().floats()[0]);
        io.edgegate.store.ModelVersion v = store.version("m", 1).orElseThrow();
        // what the optimizer leaves beside the verified copy (a different model, so that the swap shows)
        String key = v.config().optimize().orElseThrow().variantKey(v.sha256());
        Path dir = v.sourceFile().resolveSibling("variants").resolve(key);
        Path variant = Gateways.add(home.resolve("elsewhere"), "m", 1, 5f);
        Files.createDirectories(dir);
        Files.copy(variant, dir.resolve("model.onnx"));
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(variant)));
        Files.writeString(dir.resolve("report.json"), "{\"outcome\": \"ACCEPTED\", \"key\": \"" + key
                + "\", \"recipe\": \"fp16\", \"source\": {\"sha256\": \"" + v.sha256()
                + "\"}, \"variant\": {\"sha256\": \"" + sha + "\"}}");
        long closed = service.sessions().closed();

        store.refresh("m");
        await("the variant serves", () -> {
            try {
                return infer("m").output("y").orElseThrow().floats()[0] == 5f;
            } catch (InferenceException e) {
                return false;
            }
        });
        assertEquals(1, infer("m").version(), "the same version, now served from its variant");
        assertEquals(v.sha256(), service.model("m", 1L).sha256().orElseThrow(), "the signed content's hash");
        await("the original's session closed", () -> service.sessions().closed() == closed + 1);
        store.refresh("m");
        Thread.sleep(200);
        assertEquals(closed + 1, service.sessions().closed(), "nothing changed: no second swap");
    }

    /** A provider that pretends to own a plugin library: CPU sessions that may not outlive it. */
    private static final class Plugin implements AcceleratorProvider {
        volatile int sessions;

        @Override
        public String id() {
            return "plugin";
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public boolean sessionsOutliveProvider() {
            return false;
        }

        @Override
        public void configure(SessionOptions options, SessionSettings settings) throws OrtException {
            sessions++;
            options.setIntraOpNumThreads(1);
        }
    }
}
