package io.edgegate.bench;

import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.edgegate.accelerator.cpu.impl.CpuAcceleratorProvider;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.impl.OnnxInferenceService;
import io.edgegate.model.Tensor;
import io.edgegate.store.impl.FileSystemModelStore;
import io.edgegate.testkit.TestTrust;

/**
 * The in-process InferenceService, wired by hand the way Declarative Services wires it in the gateway:
 * store, then service, then the CPU provider. Each call pays for what a caller of the service pays for:
 * building the request tensors and reading the output floats.
 */
final class InProcessPath implements ServingPath, AutoCloseable {
    private final OnnxInferenceService service;
    private final long[][] values;

    InProcessPath(Path modelsRoot, BenchInput input, int intraOpThreads, int interOpThreads, Duration loadTimeout)
            throws Exception {
        this.values = input.values();
        // signed by a throwaway root, as the gateway only serves verified versions
        TestTrust trust = TestTrust.create(modelsRoot.resolveSibling("in-process-home"));
        trust.signAll(modelsRoot);
        this.service = new OnnxInferenceService(new FileSystemModelStore(modelsRoot,
                trust.home().resolve("data/models"), trust.verifier(), 0));
        try {
            service.addProvider(new CpuAcceleratorProvider(new CpuConfig(intraOpThreads, interOpThreads)), Map.of());
            long deadline = System.nanoTime() + loadTimeout.toNanos();
            while (!service.isReady()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("model not loaded after " + loadTimeout.toSeconds() + " s");
                }
                Thread.sleep(10);
            }
            // isReady() is also true when the load failed; a failed model must stop the bench here.
            ModelStatus status = service.model(BenchInput.MODEL, null);
            if (!status.isReady()) {
                throw new IllegalStateException("model " + BenchInput.MODEL + " is " + status.state()
                        + status.reason().map(r -> ": " + r).orElse(""));
            }
        } catch (Exception | Error e) {
            service.deactivate();
            throw e;
        }
    }

    @Override
    public float[] output() throws Exception {
        List<Tensor> inputs = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            inputs.add(Tensor.ofLongs(BenchInput.INPUT_NAMES[i], BenchInput.SHAPE, values[i]));
        }
        InferenceResponse response = service.infer(InferenceRequest.of(BenchInput.MODEL, inputs));
        return response.output(BenchInput.OUTPUT)
                .orElseThrow(() -> new IllegalStateException("no output " + BenchInput.OUTPUT))
                .floats();
    }

    @Override
    public void close() {
        service.deactivate();
    }

    /** The CPU provider's typed configuration, as Configuration Admin would hand it over. */
    private record CpuConfig(int intraOpThreads, int interOpThreads) implements CpuAcceleratorProvider.Config {
        @Override
        public boolean arena() {
            return true;
        }

        @Override
        public String optimization() {
            return "all";
        }

        @Override
        public Class<? extends Annotation> annotationType() {
            return CpuAcceleratorProvider.Config.class;
        }
    }
}
