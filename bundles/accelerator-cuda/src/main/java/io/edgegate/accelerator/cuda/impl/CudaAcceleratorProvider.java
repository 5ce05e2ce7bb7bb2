package io.edgegate.accelerator.cuda.impl;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.propertytypes.ServiceRanking;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import io.edgegate.accelerator.spi.AcceleratorProvider;
import io.edgegate.accelerator.spi.SessionSettings;

/**
 * ONNX Runtime's CUDA execution provider, with TensorRT in front of it when asked for. Both are compiled into
 * ONNX Runtime's GPU build only; on the CPU build the gateway ships, this provider starts, says once that it
 * is unavailable and why, and changes nothing. CUDA is built into ONNX Runtime, so sessions outlive this
 * service (the SPI default).
 *
 * <p>{@link #configure} on an unavailable provider throws {@link IllegalStateException}: the gateway never
 * calls it there, so a call is a caller's mistake, not a refusal by ONNX Runtime.
 */
@Component(configurationPid = CudaAcceleratorProvider.PID)
@Designate(ocd = CudaAcceleratorProvider.Config.class)
@ServiceRanking(CudaAcceleratorProvider.RANKING)
public final class CudaAcceleratorProvider implements AcceleratorProvider {
    static final String PID = "io.edgegate.accelerator.cuda";
    /** Above the CPU provider, below a plugin library an operator configured on purpose. */
    static final int RANKING = 100;
    /** Framework property naming the gateway's home; a relative TensorRT cache folder resolves against it. */
    static final String HOME_PROPERTY = "edgegate.home";

    private static final Logger LOG = LoggerFactory.getLogger(CudaAcceleratorProvider.class);

    @ObjectClassDefinition(name = "Edgegate CUDA accelerator",
            description = "Sessions on an NVIDIA GPU; needs ONNX Runtime's GPU build (onnxruntime_gpu).")
    public @interface Config {
        @AttributeDefinition(description = "CUDA device index, as nvidia-smi numbers them.")
        int deviceId() default 0;

        @AttributeDefinition(description = "Most GPU memory the CUDA arena may take, in MiB; 0 for no limit.")
        long gpuMemLimitMb() default 0;

        @AttributeDefinition(description = "How the GPU memory arena grows: in powers of two (fewer, larger "
                + "allocations) or by exactly what is requested (less memory held).",
                options = {@Option(value = "nextPowerOfTwo"), @Option(value = "sameAsRequested")})
        String arenaExtendStrategy() default "nextPowerOfTwo";

        @AttributeDefinition(description = "How cuDNN picks convolution algorithms: exhaustive is slowest to "
                + "load and fastest to run.",
                options = {@Option(value = "exhaustive"), @Option(value = "heuristic"), @Option(value = "default")})
        String cudnnConvAlgoSearch() default "exhaustive";

        @AttributeDefinition(description = "Try TensorRT first (operators it cannot run fall back to CUDA). "
                + "Building a TensorRT engine can take minutes per model: set a cache folder.")
        boolean tensorRt() default false;

        @AttributeDefinition(description = "Let TensorRT run in FP16 where the GPU supports it.")
        boolean tensorRtFp16() default false;

        @AttributeDefinition(required = false, description = "Folder where TensorRT keeps built engines; "
                + "a relative path resolves against the gateway home; empty for no cache.")
        String tensorRtCacheDirectory() default "";

        @AttributeDefinition(description = "CPU threads inside one operator (for operators left on the CPU); "
                + "0 lets ONNX Runtime choose.")
        int intraOpThreads() default 0;

        @AttributeDefinition(description = "CPU threads across operators; 0 lets ONNX Runtime choose.")
        int interOpThreads() default 0;
    }

    private final Config config;
    private final boolean available;
    private final boolean tensorRt;
    private final String reason;
    private final Map<String, String> cudaOptions;
    private final Map<String, String> tensorRtOptions;

    @Activate
    public CudaAcceleratorProvider(BundleContext context, Config config) {
        this(config, context.getProperty(HOME_PROPERTY), OrtEnvironment.getAvailableProviders());
    }

    /**
     * @param home the gateway home, or {@code null} for the working directory
     * @param built the execution providers compiled into this ONNX Runtime
     */
    CudaAcceleratorProvider(Config config, String home, Set<OrtProvider> built) {
        this.config = config;
        this.cudaOptions = cudaOptions(config);
        this.tensorRtOptions = tensorRtOptions(config, home);
        if (config.intraOpThreads() < 0 || config.interOpThreads() < 0) {
            throw new IllegalArgumentException("thread counts must not be negative");
        }
        this.available = built.contains(OrtProvider.CUDA);
        this.tensorRt = available && config.tensorRt() && built.contains(OrtProvider.TENSOR_RT);
        if (!available) {
            this.reason = "this ONNX Runtime build has the execution providers " + built
                    + " and not CUDA; the GPU build (com.microsoft.onnxruntime:onnxruntime_gpu) has it";
            LOG.info("CUDA accelerator unavailable: {}", reason);
        } else if (config.tensorRt() && !tensorRt) {
            this.reason = null;
            LOG.warn("CUDA accelerator on {}: TensorRT was asked for but this ONNX Runtime build has {}; "
                    + "using CUDA alone", device(), built);
        } else {
            this.reason = null;
            LOG.info("CUDA accelerator on {}{}, options {}", device(), tensorRt ? " with TensorRT " + tensorRtOptions
                    : "", cudaOptions);
        }
    }

    /** The CUDA provider options, as ONNX Runtime's string keys name them. */
    static Map<String, String> cudaOptions(Config config) {
        if (config.deviceId() < 0) {
            throw new IllegalArgumentException("deviceId must not be negative");
        }
        if (config.gpuMemLimitMb() < 0 || config.gpuMemLimitMb() > Long.MAX_VALUE >> 20) {
            throw new IllegalArgumentException("gpuMemLimitMb must be between 0 and " + (Long.MAX_VALUE >> 20));
        }
        Map<String, String> options = new LinkedHashMap<>();
        options.put("device_id", Integer.toString(config.deviceId()));
        if (config.gpuMemLimitMb() > 0) {
            options.put("gpu_mem_limit", Long.toString(config.gpuMemLimitMb() << 20));
        }
        options.put("arena_extend_strategy", switch (config.arenaExtendStrategy().toLowerCase(Locale.ROOT)) {
            case "nextpoweroftwo" -> "kNextPowerOfTwo";
            case "sameasrequested" -> "kSameAsRequested";
            default -> throw new IllegalArgumentException("arenaExtendStrategy must be nextPowerOfTwo or "
                    + "sameAsRequested, not '" + config.arenaExtendStrategy() + "'");
        });
        options.put("cudnn_conv_algo_search", switch (config.cudnnConvAlgoSearch().toLowerCase(Locale.ROOT)) {
            case "exhaustive" -> "EXHAUSTIVE";
            case "heuristic" -> "HEURISTIC";
            case "default" -> "DEFAULT";
            default -> throw new IllegalArgumentException("cudnnConvAlgoSearch must be exhaustive, heuristic or "
                    + "default, not '" + config.cudnnConvAlgoSearch() + "'");
        });
        return Collections.unmodifiableMap(options);
    }

    /** The TensorRT provider options; used only when TensorRT is asked for and present. */
    static Map<String, String> tensorRtOptions(Config config, String home) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("device_id", Integer.toString(config.deviceId()));
        options.put("trt_fp16_enable", config.tensorRtFp16() ? "1" : "0");
        String cache = config.tensorRtCacheDirectory();
        if (cache != null && !cache.isBlank()) {
            Path dir = Paths.get(cache.strip());
            if (!dir.isAbsolute()) {
                dir = Paths.get(home != null ? home : System.getProperty("user.dir")).resolve(dir);
            }
            options.put("trt_engine_cache_enable", "1");
            options.put("trt_engine_cache_path", dir.normalize().toString());
        }
        return Collections.unmodifiableMap(options);
    }

    private String device() {
        return "cuda:" + config.deviceId();
    }

    @Override
    public String id() {
        return "cuda";
    }

    @Override
    public boolean isAvailable() {
        return available;
    }

    /** The configured device, whether or not it is usable: {@link #isAvailable()} says that. */
    @Override
    public List<String> devices() {
        return List.of(device());
    }

    /** Whether sessions get TensorRT in front of CUDA. */
    boolean usesTensorRt() {
        return tensorRt;
    }

    /** Why the provider is unavailable, or {@code null} when it is available. */
    String reason() {
        return reason;
    }

    @Override
    public void configure(SessionOptions options, SessionSettings settings) throws OrtException {
        if (!available) {
            throw new IllegalStateException("CUDA accelerator is unavailable: " + reason);
        }
        // Registration order is priority order: TensorRT takes what it can, CUDA the rest. ONNX Runtime copies
        // the provider options into the session options, so they are closed at once.
        if (tensorRt) {
            try (OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(config.deviceId())) {
                for (Map.Entry<String, String> e : tensorRtOptions.entrySet()) {
                    trt.add(e.getKey(), e.getValue());
                }
                options.addTensorrt(trt);
            }
        }
        try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(config.deviceId())) {
            for (Map.Entry<String, String> e : cudaOptions.entrySet()) {
                cuda.add(e.getKey(), e.getValue());
            }
            options.addCUDA(cuda);
        }
        int intra = settings.intraOpThreads() > 0 ? settings.intraOpThreads() : config.intraOpThreads();
        int inter = settings.interOpThreads() > 0 ? settings.interOpThreads() : config.interOpThreads();
        if (intra > 0) {
            options.setIntraOpNumThreads(intra);
        }
        if (inter > 0) {
            options.setInterOpNumThreads(inter);
        }
    }
}
