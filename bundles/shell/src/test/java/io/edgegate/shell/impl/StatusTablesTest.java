package io.edgegate.shell.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.inference.ProviderStatus;
import io.edgegate.model.DataType;
import io.edgegate.model.TensorSpec;

class StatusTablesTest {
    static final String HASH_A = "3f2a9c0b7d41e8f5a6b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f6071";
    static final String HASH_B = "00ff00ff00ff1234567890abcdef1234567890abcdef1234567890abcdef1234";

    static ModelStatus status(String name, long version, State state, String reason, String provider, String sha) {
        List<TensorSpec> io = List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 4}));
        return new ModelStatus(name, version, state, reason, provider, sha, io, io);
    }

    @Test
    void modelsAreSortedByNameThenVersionWithShortHashesAndReasons() {
        String text = StatusTables.models(List.of(
                status("minilm", 2, State.READY, null, "cpu", HASH_A),
                status("broken", 1, State.FAILED, "not a readable ONNX model: Protobuf parsing failed", null,
                        HASH_B),
                status("minilm", 1, State.DRAINING, null, "cuda", HASH_B),
                status("resnet", 10, State.UNLOADED, "unloaded on request", null, null),
                status("minilm", 3, State.LOADING, null, null, "abc")));

        assertEquals(String.join("\n",
                "MODEL   VERSION  STATE     PROVIDER  SHA256        REASON",
                "broken  1        FAILED    -         00ff00ff00ff  not a readable ONNX model: Protobuf parsing failed",
                "minilm  1        DRAINING  cuda      00ff00ff00ff",
                "minilm  2        READY     cpu       3f2a9c0b7d41",
                "minilm  3        LOADING   -         abc",
                "resnet  10       UNLOADED  -         -             unloaded on request"), text);
    }

    @Test
    void versionsSortAsNumbersNotText() {
        String text = StatusTables.models(List.of(
                status("m", 10, State.READY, null, "cpu", null),
                status("m", 9, State.READY, null, "cpu", null)));

        List<String> lines = text.lines().toList();
        assertEquals("m      9        READY  cpu       -", lines.get(1));
        assertEquals("m      10       READY  cpu       -", lines.get(2));
    }

    @Test
    void noModelsSaysSo() {
        assertEquals("No models.", StatusTables.models(List.of()));
    }

    @Test
    void providersComeHighestRankingFirst() {
        String text = StatusTables.providers(List.of(
                new ProviderStatus("cpu", 0, true, List.of("cpu"), 3),
                new ProviderStatus("cuda", 100, false, List.of(), 0),
                new ProviderStatus("plugin-npu", 100, true, List.of("npu0", "npu1"), 1)));

        assertEquals(String.join("\n",
                "ID          RANKING  AVAILABLE  DEVICES    VERSIONS",
                "cuda        100      no         -          0",
                "plugin-npu  100      yes        npu0,npu1  1",
                "cpu         0        yes        cpu        3"), text);
    }

    @Test
    void noProvidersSaysSo() {
        assertEquals("No accelerator providers.", StatusTables.providers(List.of()));
    }
}
