package io.edgegate.shell.impl;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;

/**
 * The {@code edgegate:} commands of the Gogo shell. Each returns the text to print; Gogo prints it. The
 * inference service is optional so that the commands stay and say why they cannot answer while it is
 * stopped, rather than vanishing from {@code help}.
 */
@Component(service = EdgegateCommands.class, property = {
    "osgi.command.scope=" + EdgegateCommands.SCOPE,
    "osgi.command.function=models",
    "osgi.command.function=providers",
    "osgi.command.function=load",
    "osgi.command.function=unload"
})
public final class EdgegateCommands {
    static final String SCOPE = "edgegate";
    static final String NOT_RUNNING = "The inference service is not running.";
    private static final Logger LOG = LoggerFactory.getLogger(EdgegateCommands.class);

    private final AtomicReference<InferenceService> inference = new AtomicReference<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindInference(InferenceService service) {
        inference.set(service);
    }

    void unbindInference(InferenceService service) {
        inference.compareAndSet(service, null);
    }

    @Descriptor("lists every model version: state, provider, content hash, and why it failed")
    public String models() {
        InferenceService service = inference.get();
        return service == null ? NOT_RUNNING : StatusTables.models(service.models());
    }

    @Descriptor("lists the versions of one model: state, provider, content hash, and why it failed")
    public String models(@Descriptor("model name") String name) {
        InferenceService service = inference.get();
        if (service == null) {
            return NOT_RUNNING;
        }
        List<ModelStatus> versions = versionsOf(service, name);
        return versions.isEmpty() ? "No model '" + name + "'." : StatusTables.models(versions);
    }

    @Descriptor("lists the accelerator providers, highest ranking first")
    public String providers() {
        InferenceService service = inference.get();
        return service == null ? NOT_RUNNING : StatusTables.providers(service.providers());
    }

    @Descriptor("reads a model from the store again and loads it; undoes unload")
    public String load(@Descriptor("model name") String name) {
        InferenceService service = inference.get();
        if (service == null) {
            return NOT_RUNNING;
        }
        try {
            service.load(name);
        } catch (InferenceException e) {
            return e.getMessage();
        }
        LOG.info("Model {} loaded from the shell", name);
        return "Loaded '" + name + "'.\n" + StatusTables.models(versionsOf(service, name));
    }

    @Descriptor("stops serving every version of a model until load")
    public String unload(@Descriptor("model name") String name) {
        InferenceService service = inference.get();
        if (service == null) {
            return NOT_RUNNING;
        }
        try {
            service.unload(name);
        } catch (InferenceException e) {
            return e.getMessage();
        }
        LOG.info("Model {} unloaded from the shell", name);
        return "Unloaded '" + name + "'.\n" + StatusTables.models(versionsOf(service, name));
    }

    private static List<ModelStatus> versionsOf(InferenceService service, String name) {
        return service.models().stream().filter(m -> m.name().equals(name)).toList();
    }
}
