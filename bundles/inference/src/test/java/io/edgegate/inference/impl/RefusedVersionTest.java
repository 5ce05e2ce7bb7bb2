package io.edgegate.inference.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;

/** A version the store refused is shown FAILED with its reason, even where the policy would not load it. */
class RefusedVersionTest {
    @TempDir
    Path home;
    Path root;
    OnnxInferenceService service;

    @BeforeEach
    void modelsFolder() {
        root = home.resolve("models");
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.deactivate();
        }
    }

    @Test
    void anOlderVersionRefusedAsAReplayIsListedWithItsReason() throws Exception {
        Gateways.add(root, "m", 2, 2f);
        Gateways.store(root).close(); // accepts version 2
        Gateways.add(root, "m", 1, 1f);
        var store = Gateways.store(root);
        service = new OnnxInferenceService(store);
        store.addListener(service);
        service.addProvider(Gateways.cpu(), Map.of());
        Gateways.awaitReady(service);

        assertEquals(2, service.model("m", null).version());
        ModelStatus one = service.model("m", 1L);
        assertEquals(State.FAILED, one.state());
        assertTrue(one.reason().orElse("").contains("REPLAYED"), one.reason().toString());
    }
}
