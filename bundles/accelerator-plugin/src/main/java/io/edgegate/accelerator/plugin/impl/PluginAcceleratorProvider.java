package io.edgegate.accelerator.plugin.impl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtEpDevice;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtHardwareDevice;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.edgegate.accelerator.spi.AcceleratorProvider;
import io.edgegate.accelerator.spi.SessionSettings;

/**
 * An ONNX Runtime plugin execution-provider library (a vendor's OpenVINO, QNN or similar build), one per factory
 * configuration. Activation registers the library with the process-wide environment and picks the devices it
 * offers; deactivation unregisters it. The gateway closes or moves every session using the library before
 * this service goes away ({@link #sessionsOutliveProvider()} is false), so unregistering in
 * {@link #deactivate()} frees nothing still in use.
 *
 * <p>A library that cannot be used (missing, not a shared library, not an execution provider, no device) leaves
 * the service registered but unavailable, with the reason logged once at ERROR: the gateway then uses the next
 * provider. {@link #configure} on an unavailable or stopped provider throws {@link IllegalStateException}.
 */
@Component(configurationPid = PluginAcceleratorProvider.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true)
@Designate(ocd = PluginAcceleratorProvider.Config.class, factory = true)
public final class PluginAcceleratorProvider implements AcceleratorProvider {
    static final String PID = "io.edgegate.accelerator.plugin";
    /** Framework property naming the gateway's home; a relative library path resolves against it. */
    static final String HOME_PROPERTY = "edgegate.home";

    private static final Logger LOG = LoggerFactory.getLogger(PluginAcceleratorProvider.class);
    /** Registration and the device snapshots around it, across every instance: devices are told apart by it. */
    private static final Object REGISTRY = new Object();

    @ObjectClassDefinition(name = "Edgegate plugin accelerator",
            description = "An ONNX Runtime plugin execution-provider library; one configuration per library.")
    public @interface Config {
        @AttributeDefinition(description = "Provider id, as model.json names it in \"providers\"; e.g. openvino.")
        String id();

        @AttributeDefinition(description = "Path of the plugin execution-provider shared library; a relative "
                + "path resolves against the gateway home.")
        String library();

        @AttributeDefinition(required = false, description = "Name the library is registered under in ONNX "
                + "Runtime; empty for the id. Unique in the process.")
        String registrationName() default "";

        @AttributeDefinition(name = "Ranking", description = "service.ranking: higher is tried first when a "
                + "model names no provider. CUDA ranks 100, CPU lowest. In a .cfg file write it typed, "
                + "service.ranking=I\"200\", with every other value in the file quoted.")
        int service_ranking() default 200;

        @AttributeDefinition(required = false, description = "Options for the execution provider, one "
                + "key=value per entry, passed as they are.")
        String[] providerOptions() default {};

        @AttributeDefinition(required = false, description = "Comma-separated; keep only the library's devices "
                + "whose execution-provider name, vendor, hardware type (CPU, GPU, NPU) or hardware vendor is "
                + "one of these (case ignored). Empty keeps every device the library offers.")
        String deviceFilter() default "";

        @AttributeDefinition(description = "CPU threads inside one operator; 0 lets ONNX Runtime choose.")
        int intraOpThreads() default 0;

        @AttributeDefinition(description = "CPU threads across operators; 0 lets ONNX Runtime choose.")
        int interOpThreads() default 0;
    }

    /** Where the provider is in its life. */
    public enum State {
        /** The library is registered and offered devices: sessions can be configured. */
        AVAILABLE,
        /** Configuration or library unusable; {@link #reason()} says why. */
        FAILED,
        /** Deactivated; the library, if it was registered, is unregistered. */
        CLOSED
    }

    private final String id;
    private final String registrationName;
    private final Path library;
    private final Map<String, String> providerOptions;
    private final List<String> deviceFilter;
    private final int intraOpThreads;
    private final int interOpThreads;
    private final EpLibraries libraries;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    // Written in the constructor and in deactivate (write lock); configure reads them under the read lock.
    private volatile State state;
    private volatile String reason;
    private volatile List<OrtEpDevice> epDevices = List.of();
    private volatile List<String> devices = List.of();
    private boolean registered;

    @Activate
    public PluginAcceleratorProvider(BundleContext context, Config config, Map<String, Object> properties) {
        this(config, home(context.getProperty(HOME_PROPERTY)), EpLibraries.of(OrtEnvironment.getEnvironment()));
        String problem = rankingProblem(properties.get(Constants.SERVICE_RANKING));
        if (problem != null) {
            LOG.warn("Plugin accelerator {}: {}", id, problem);
        }
    }

    /** A provider over {@code libraries}, activated now; relative library paths resolve against {@code home}. */
    PluginAcceleratorProvider(Config config, Path home, EpLibraries libraries) {
        this.libraries = libraries;
        this.id = blank(config.id()) ? "plugin" : config.id().strip();
        this.registrationName = blank(config.registrationName()) ? id : config.registrationName().strip();
        this.library = blank(config.library()) ? null : home.resolve(config.library().strip()).normalize();
        this.intraOpThreads = config.intraOpThreads();
        this.interOpThreads = config.interOpThreads();
        this.deviceFilter = Stream.of(config.deviceFilter() == null ? "" : config.deviceFilter())
                .flatMap(f -> Stream.of(f.split(","))).map(String::strip).filter(s -> !s.isEmpty()).toList();
        List<String> problems = new ArrayList<>();
        this.providerOptions = parseOptions(config.providerOptions(), problems);
        if (blank(config.id())) {
            problems.add("no id is configured");
        }
        if (library == null) {
            problems.add("no library is configured");
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            problems.add("thread counts must not be negative");
        }
        if (!problems.isEmpty()) {
            fail("bad configuration: " + String.join("; ", problems));
        } else if (!Files.isRegularFile(library)) {
            fail("library " + library + " does not exist or is not a file");
        } else {
            register();
        }
    }

    static Path home(String home) {
        return Paths.get(home != null ? home : System.getProperty("user.dir")).toAbsolutePath();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** {@code key=value} entries as a map, split at the first {@code =}; what is wrong goes to {@code problems}. */
    static Map<String, String> parseOptions(String[] entries, List<String> problems) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String entry : entries == null ? new String[0] : entries) {
            if (blank(entry)) {
                continue;
            }
            int eq = entry.indexOf('=');
            String key = eq < 0 ? "" : entry.substring(0, eq).strip();
            if (key.isEmpty()) {
                problems.add("providerOptions entry '" + entry + "' is not key=value");
            } else if (options.putIfAbsent(key, entry.substring(eq + 1).strip()) != null) {
                problems.add("providerOptions gives '" + key + "' twice");
            }
        }
        return Collections.unmodifiableMap(options);
    }

    /**
     * Why a {@code service.ranking} property would not order this service, or {@code null}. A .cfg file whose
     * values are not all typed hands every value over as text, and OSGi reads a ranking that is not an
     * Integer as 0.
     */
    static String rankingProblem(Object ranking) {
        if (ranking == null || ranking instanceof Integer) {
            return null;
        }
        return "service.ranking '" + ranking + "' is a " + ranking.getClass().getSimpleName() + ", not an "
                + "Integer, so it counts as 0; in the .cfg file write service.ranking=I\"" + ranking
                + "\" and quote every other value";
    }

    private void register() {
        List<OrtEpDevice> offered = new ArrayList<>();
        synchronized (REGISTRY) {
            Set<String> before = new HashSet<>();
            try {
                libraries.devices().forEach(d -> before.add(d.getEpName()));
                libraries.register(registrationName, library);
            } catch (OrtException e) {
                fail("ONNX Runtime refused library " + library + ": " + e.getMessage());
                return;
            }
            registered = true;
            try {
                for (OrtEpDevice d : libraries.devices()) {
                    if (!before.contains(d.getEpName())) {
                        offered.add(d);
                    }
                }
            } catch (OrtException e) {
                fail("library " + library + " registered, but ONNX Runtime could not list its devices: "
                        + e.getMessage());
                unregisterNow();
                return;
            }
        }
        List<OrtEpDevice> chosen = offered.stream().filter(d -> matches(d, deviceFilter)).toList();
        if (chosen.isEmpty()) {
            fail("library " + library + " offers no device" + (offered.isEmpty() ? " of its own"
                    : " matching deviceFilter " + deviceFilter + "; it offers " + describe(offered)));
            unregisterNow();
            return;
        }
        epDevices = chosen;
        devices = describe(chosen);
        state = State.AVAILABLE;
        LOG.info("Plugin accelerator {}: library {} registered as '{}' on {}; provider options {}", id, library,
                registrationName, devices, providerOptions.keySet());
    }

    /** Whether {@code device} is kept by {@code filter}: empty keeps all. */
    static boolean matches(OrtEpDevice device, List<String> filter) {
        if (filter.isEmpty()) {
            return true;
        }
        OrtHardwareDevice hw = device.getDevice();
        return Stream.of(device.getEpName(), device.getEpVendor(), hw.getType().name(), hw.getVendor())
                .anyMatch(v -> v != null && filter.stream().anyMatch(v::equalsIgnoreCase));
    }

    private static List<String> describe(List<OrtEpDevice> devices) {
        return devices.stream().map(d -> d.getDevice().getType().name().toLowerCase(Locale.ROOT) + " ("
                + d.getEpName() + ", " + d.getDevice().getVendor() + ")").toList();
    }

    private void fail(String why) {
        reason = why;
        state = State.FAILED;
        LOG.error("Plugin accelerator {} unavailable: {}", id, why);
    }

    /** Unregisters the library if this provider registered it; never twice. */
    private void unregisterNow() {
        if (!registered) {
            return;
        }
        registered = false;
        synchronized (REGISTRY) {
            try {
                libraries.unregister(registrationName);
                LOG.info("Plugin accelerator {}: library {} unregistered", id, library);
            } catch (OrtException e) {
                LOG.error("Plugin accelerator {}: ONNX Runtime could not unregister library {} ('{}'): {}", id,
                        library, registrationName, e.getMessage());
            }
        }
    }

    /** Runs after the gateway has closed or moved every session on this provider: see the class comment. */
    @Deactivate
    public void deactivate() {
        lock.writeLock().lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            reason = "stopped";
            epDevices = List.of();
            devices = List.of();
            unregisterNow();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isAvailable() {
        return state == State.AVAILABLE;
    }

    /** The devices sessions run on, e.g. {@code "npu (OpenVINOExecutionProvider, Intel)"}; empty if unavailable. */
    @Override
    public List<String> devices() {
        return devices;
    }

    /** False: the library is unregistered on stop, so its sessions must not outlive this service. */
    @Override
    public boolean sessionsOutliveProvider() {
        return false;
    }

    public State state() {
        return state;
    }

    /** Why the provider is not available, or {@code null} while it is. */
    public String reason() {
        return state == State.AVAILABLE ? null : reason;
    }

    String registrationName() {
        return registrationName;
    }

    Map<String, String> providerOptions() {
        return providerOptions;
    }

    @Override
    public void configure(SessionOptions options, SessionSettings settings) throws OrtException {
        lock.readLock().lock();
        try {
            if (state != State.AVAILABLE) {
                throw new IllegalStateException("plugin accelerator " + id + " is " + state + ": " + reason);
            }
            options.addExecutionProvider(epDevices, providerOptions);
            int intra = settings.intraOpThreads() > 0 ? settings.intraOpThreads() : intraOpThreads;
            int inter = settings.interOpThreads() > 0 ? settings.interOpThreads() : interOpThreads;
            if (intra > 0) {
                options.setIntraOpNumThreads(intra);
            }
            if (inter > 0) {
                options.setInterOpNumThreads(inter);
            }
        } finally {
            lock.readLock().unlock();
        }
    }
}
