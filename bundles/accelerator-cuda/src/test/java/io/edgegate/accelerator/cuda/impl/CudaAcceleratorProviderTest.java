package io.edgegate.accelerator.cuda.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.edgegate.accelerator.spi.SessionSettings;

/** Runs on ONNX Runtime's CPU build from Maven, as the gateway ships it; GPU paths are checked by their inputs. */
class CudaAcceleratorProviderTest {
    private static final SessionSettings DEFAULTS = new SessionSettings(0, 0);

    private static CudaAcceleratorProvider.Config config(Map<String, Object> values) {
        return Configs.of(CudaAcceleratorProvider.Config.class, values);
    }

    private static CudaAcceleratorProvider onThisBuild(Map<String, Object> values) {
        return new CudaAcceleratorProvider(config(values), null, OrtEnvironment.getAvailableProviders());
    }

    @Test
    void unavailableOnTheCpuBuildWithItsIdAndDevice() {
        CudaAcceleratorProvider cuda = onThisBuild(Map.of("deviceId", 1, "tensorRt", true));
        assertFalse(cuda.isAvailable());
        assertEquals("cuda", cuda.id());
        assertEquals(java.util.List.of("cuda:1"), cuda.devices());
        assertTrue(cuda.sessionsOutliveProvider());
        assertFalse(cuda.usesTensorRt());
        assertTrue(cuda.reason().contains("[CPU]") && cuda.reason().contains("onnxruntime_gpu"), cuda.reason());
    }

    @Test
    void configureWhileUnavailableThrowsAndSaysWhy() throws OrtException {
        CudaAcceleratorProvider cuda = onThisBuild(Map.of());
        try (SessionOptions options = new SessionOptions()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> cuda.configure(options, DEFAULTS));
            assertTrue(e.getMessage().contains("unavailable") && e.getMessage().contains("onnxruntime_gpu"),
                    e.getMessage());
            assertTrue(options.getConfigEntries().isEmpty());
        }
    }

    @Test
    void availableWhenTheBuildHasCudaAndTensorRtOnlyWhenBothAre() {
        Map<String, Object> trt = Map.of("tensorRt", true);
        CudaAcceleratorProvider both = new CudaAcceleratorProvider(config(trt), null,
                EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.TENSOR_RT));
        assertTrue(both.isAvailable());
        assertTrue(both.usesTensorRt());
        assertNull(both.reason());

        CudaAcceleratorProvider cudaOnly = new CudaAcceleratorProvider(config(trt), null,
                EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA));
        assertTrue(cudaOnly.isAvailable());
        assertFalse(cudaOnly.usesTensorRt());

        CudaAcceleratorProvider notAskedFor = new CudaAcceleratorProvider(config(Map.of()), null,
                EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.TENSOR_RT));
        assertFalse(notAskedFor.usesTensorRt());
    }

    /** The pretend-GPU provider reaches ONNX Runtime, whose refusal is an OrtException: the next provider runs. */
    @Test
    void onnxRuntimeRefusingCudaIsAnOrtException() throws OrtException {
        CudaAcceleratorProvider cuda = new CudaAcceleratorProvider(config(Map.of()), null,
                EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA));
        try (SessionOptions options = new SessionOptions()) {
            OrtException e = assertThrows(OrtException.class, () -> cuda.configure(options, DEFAULTS));
            assertTrue(e.getMessage().contains("CUDA"), e.getMessage());
        }
    }

    @Test
    void cudaOptionsUseOnnxRuntimeKeysAndValues() {
        assertEquals(Map.of("device_id", "0", "arena_extend_strategy", "kNextPowerOfTwo",
                "cudnn_conv_algo_search", "EXHAUSTIVE"), CudaAcceleratorProvider.cudaOptions(config(Map.of())));
        assertEquals(Map.of("device_id", "2", "gpu_mem_limit", Long.toString(1536L << 20),
                "arena_extend_strategy", "kSameAsRequested", "cudnn_conv_algo_search", "HEURISTIC"),
                CudaAcceleratorProvider.cudaOptions(config(Map.of("deviceId", 2, "gpuMemLimitMb", 1536L,
                        "arenaExtendStrategy", "sameAsRequested", "cudnnConvAlgoSearch", "heuristic"))));
    }

    @Test
    void tensorRtCacheResolvesAgainstTheHome(@org.junit.jupiter.api.io.TempDir Path home) {
        Map<String, String> options = CudaAcceleratorProvider.tensorRtOptions(
                config(Map.of("tensorRtFp16", true, "tensorRtCacheDirectory", "cache/trt")), home.toString());
        assertEquals("1", options.get("trt_fp16_enable"));
        assertEquals("1", options.get("trt_engine_cache_enable"));
        assertEquals(home.resolve("cache/trt").toString(), options.get("trt_engine_cache_path"));
        assertFalse(CudaAcceleratorProvider.tensorRtOptions(config(Map.of()), home.toString())
                .containsKey("trt_engine_cache_enable"));
    }

    @Test
    void wrongSettingsAreRefusedEvenOnTheCpuBuild() {
        assertThrows(IllegalArgumentException.class, () -> onThisBuild(Map.of("deviceId", -1)));
        assertThrows(IllegalArgumentException.class, () -> onThisBuild(Map.of("gpuMemLimitMb", -5L)));
        assertThrows(IllegalArgumentException.class, () -> onThisBuild(Map.of("arenaExtendStrategy", "double")));
        assertThrows(IllegalArgumentException.class, () -> onThisBuild(Map.of("cudnnConvAlgoSearch", "fast")));
        assertThrows(IllegalArgumentException.class, () -> onThisBuild(Map.of("intraOpThreads", -1)));
    }
}
