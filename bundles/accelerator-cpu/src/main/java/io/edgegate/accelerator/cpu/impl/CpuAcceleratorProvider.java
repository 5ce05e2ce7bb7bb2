package io.edgegate.accelerator.cpu.impl;

import java.util.List;
import java.util.Locale;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.propertytypes.ServiceRanking;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.edgegate.accelerator.spi.AcceleratorProvider;
import io.edgegate.accelerator.spi.SessionSettings;

/**
 * ONNX Runtime's CPU execution provider. It is always available and ranks lowest, so any accelerator
 * that is present wins over it. A model's {@code model.json} thread counts override the defaults here.
 */
@Component(configurationPid = CpuAcceleratorProvider.PID)
@Designate(ocd = CpuAcceleratorProvider.Config.class)
@ServiceRanking(CpuAcceleratorProvider.RANKING)
public final class CpuAcceleratorProvider implements AcceleratorProvider {
    static final String PID = "io.edgegate.accelerator.cpu";
    /** Below any accelerator: plugin authors rank theirs at 0 or above. */
    public static final int RANKING = -1000;
    private static final Logger LOG = LoggerFactory.getLogger(CpuAcceleratorProvider.class);

    @ObjectClassDefinition(name = "Edgegate CPU accelerator", description = "Sessions on the CPU.")
    public @interface Config {
        @AttributeDefinition(description = "Threads inside one operator; 0 lets ONNX Runtime use one per core.")
        int intraOpThreads() default 2;

        @AttributeDefinition(description = "Threads across independent operators; 0 lets ONNX Runtime choose.")
        int interOpThreads() default 1;

        @AttributeDefinition(description = "Keep freed tensor memory in an arena for reuse: faster, but the "
                + "process does not give the memory back.")
        boolean arena() default true;

        @AttributeDefinition(description = "Graph optimisation level applied when a session is created.",
                options = {@Option(value = "none"), @Option(value = "basic"), @Option(value = "extended"),
                    @Option(value = "all")})
        String optimization() default "all";
    }

    private final Config config;
    private final OptLevel optLevel;

    @Activate
    public CpuAcceleratorProvider(Config config) {
        this.config = config;
        this.optLevel = parse(config.optimization());
        if (config.intraOpThreads() < 0 || config.interOpThreads() < 0) {
            throw new IllegalArgumentException("thread counts must not be negative");
        }
        LOG.info("CPU accelerator: {} intra-op / {} inter-op threads, arena {}, optimisation {}",
                config.intraOpThreads(), config.interOpThreads(), config.arena() ? "on" : "off",
                config.optimization());
    }

    static OptLevel parse(String level) {
        return switch (level.toLowerCase(Locale.ROOT)) {
            case "none" -> OptLevel.NO_OPT;
            case "basic" -> OptLevel.BASIC_OPT;
            case "extended" -> OptLevel.EXTENDED_OPT;
            case "all" -> OptLevel.ALL_OPT;
            default -> throw new IllegalArgumentException(
                    "optimization must be none, basic, extended or all, not '" + level + "'");
        };
    }

    @Override
    public String id() {
        return "cpu";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public List<String> devices() {
        return List.of("cpu");
    }

    @Override
    public void configure(SessionOptions options, SessionSettings settings) throws OrtException {
        int intra = settings.intraOpThreads() > 0 ? settings.intraOpThreads() : config.intraOpThreads();
        int inter = settings.interOpThreads() > 0 ? settings.interOpThreads() : config.interOpThreads();
        options.setIntraOpNumThreads(intra);
        options.setInterOpNumThreads(inter);
        options.setCPUArenaAllocator(config.arena());
        options.setOptimizationLevel(optLevel);
    }
}
