package io.edgegate.accelerator.plugin.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtEpDevice;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.edgegate.accelerator.plugin.impl.PluginAcceleratorProvider.State;
import io.edgegate.accelerator.spi.SessionSettings;

/** Against the real ONNX Runtime environment of the CPU build; no plugin library exists here, see Pretend. */
class PluginAcceleratorProviderTest {
    private static final SessionSettings DEFAULTS = new SessionSettings(0, 0);

    @TempDir
    Path home;

    /** The real environment, with the register and unregister calls counted. */
    static class Counting implements EpLibraries {
        final EpLibraries real = EpLibraries.of(OrtEnvironment.getEnvironment());
        final List<String> registered = new ArrayList<>();
        final List<String> unregistered = new ArrayList<>();

        @Override
        public void register(String name, Path library) throws OrtException {
            registered.add(name);
            real.register(name, library);
        }

        @Override
        public void unregister(String name) throws OrtException {
            unregistered.add(name);
            real.unregister(name);
        }

        @Override
        public List<OrtEpDevice> devices() throws OrtException {
            return real.devices();
        }
    }

    /**
     * A library that registers without ONNX Runtime and then "offers" the real CPU device: the only way to walk
     * the path of a working plugin on a machine that has none. Everything after registration is real.
     */
    static final class Pretend extends Counting {
        boolean loaded;

        @Override
        public void register(String name, Path library) {
            registered.add(name);
            loaded = true;
        }

        @Override
        public void unregister(String name) {
            unregistered.add(name);
            loaded = false;
        }

        @Override
        public List<OrtEpDevice> devices() throws OrtException {
            return loaded ? real.devices() : List.of();
        }
    }

    private PluginAcceleratorProvider provider(Map<String, Object> values, EpLibraries libraries) {
        return new PluginAcceleratorProvider(Configs.of(PluginAcceleratorProvider.Config.class, values), home,
                libraries);
    }

    private Path file(String name, byte[] content) throws IOException {
        Path f = home.resolve(name);
        Files.createDirectories(f.getParent());
        return Files.write(f, content);
    }

    @Test
    void missingLibraryIsUnavailableNamingThePathAndIsNeverRegistered() {
        Counting ort = new Counting();
        PluginAcceleratorProvider p = provider(Map.of("id", "openvino", "library", "ep/libmissing.so"), ort);
        assertFalse(p.isAvailable());
        assertEquals(State.FAILED, p.state());
        assertTrue(p.reason().contains(home.resolve("ep/libmissing.so").toString()), p.reason());
        assertEquals("openvino", p.id());
        assertEquals(List.of(), p.devices());
        assertFalse(p.sessionsOutliveProvider());
        assertEquals(List.of(), ort.registered);
    }

    @Test
    void garbageFileIsUnavailableWithOnnxRuntimesMessage() throws IOException {
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        Path lib = file("ep/libnoise.so", noise);
        Counting ort = new Counting();
        PluginAcceleratorProvider p = provider(Map.of("id", "noise", "library", lib.toString()), ort);
        assertEquals(State.FAILED, p.state());
        assertTrue(p.reason().contains("Failed to load library") && p.reason().contains(lib.toString()), p.reason());
        assertEquals(List.of("noise"), ort.registered);
    }

    @Test
    void sharedLibraryThatIsNoExecutionProviderIsUnavailableAndNotUnregistered() throws IOException {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64" -> "aarch64";
            default -> null;
        };
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux") && arch != null,
                "needs a Linux shared library from the ONNX Runtime jar");
        String resource = "ai/onnxruntime/native/linux-" + arch + "/libonnxruntime4j_jni.so";
        Path lib;
        try (InputStream in = OrtEnvironment.class.getClassLoader().getResourceAsStream(resource)) {
            assertTrue(in != null, resource + " is not in the onnxruntime jar");
            lib = file("ep/libnot_an_ep.so", in.readAllBytes());
        }
        Counting ort = new Counting();
        PluginAcceleratorProvider p = provider(Map.of("id", "jni", "library", "ep/libnot_an_ep.so",
                "registrationName", "jni-as-ep"), ort);
        assertEquals(State.FAILED, p.state());
        assertTrue(p.reason().contains("CreateEpFactories") && p.reason().contains(lib.toString()), p.reason());
        assertEquals(List.of("jni-as-ep"), ort.registered);

        p.deactivate();
        p.deactivate();
        assertEquals(State.CLOSED, p.state());
        assertEquals(List.of(), ort.unregistered);
    }

    @Test
    void configureOnAnUnavailableProviderThrows() throws OrtException {
        PluginAcceleratorProvider p = provider(Map.of("id", "x", "library", "missing.so"), new Counting());
        try (SessionOptions options = new SessionOptions()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.configure(options, DEFAULTS));
            assertTrue(e.getMessage().contains("missing.so"), e.getMessage());
        }
    }

    @Test
    void wrongConfigurationIsUnavailableWithoutTouchingOnnxRuntime() throws IOException {
        file("libok.so", new byte[] {1});
        Counting ort = new Counting();
        PluginAcceleratorProvider noLibrary = provider(Map.of("id", "a"), ort);
        assertTrue(noLibrary.reason().contains("no library"), noLibrary.reason());
        PluginAcceleratorProvider badOption = provider(Map.of("id", "b", "library", "libok.so",
                "providerOptions", new String[] {"device_type=NPU", "precision"}), ort);
        assertTrue(badOption.reason().contains("'precision' is not key=value"), badOption.reason());
        PluginAcceleratorProvider noId = provider(Map.of("library", "libok.so"), ort);
        assertTrue(noId.reason().contains("no id"), noId.reason());
        assertEquals(List.of(), ort.registered);
    }

    @Test
    void workingLibraryConfiguresSessionsAndIsUnregisteredExactlyOnce() throws Exception {
        file("ep/libpretend.so", new byte[] {1});
        Pretend ort = new Pretend();
        PluginAcceleratorProvider p = provider(Map.of("id", "pretend", "library", "ep/libpretend.so",
                "providerOptions", new String[] {"a=1"}), ort);
        assertEquals(State.AVAILABLE, p.state());
        assertNull(p.reason());
        assertEquals(List.of("pretend"), ort.registered);
        assertEquals(1, p.devices().size());
        assertTrue(p.devices().get(0).startsWith("cpu (CPUExecutionProvider"), p.devices().toString());
        try (SessionOptions options = new SessionOptions()) {
            p.configure(options, new SessionSettings(1, 1));
        }

        p.deactivate();
        p.deactivate();
        assertEquals(List.of("pretend"), ort.unregistered);
        assertFalse(p.isAvailable());
        assertEquals(List.of(), p.devices());
        try (SessionOptions options = new SessionOptions()) {
            assertThrows(IllegalStateException.class, () -> p.configure(options, DEFAULTS));
        }
    }

    @Test
    void noDeviceLeftByTheFilterUnregistersAtOnce() throws Exception {
        file("libpretend.so", new byte[] {1});
        Pretend ort = new Pretend();
        PluginAcceleratorProvider p = provider(Map.of("id", "npu-only", "library", "libpretend.so",
                "registrationName", "reg", "deviceFilter", " NPU , Qualcomm "), ort);
        assertEquals(State.FAILED, p.state());
        assertTrue(p.reason().contains("[NPU, Qualcomm]") && p.reason().contains("cpu (CPUExecutionProvider"),
                p.reason());
        assertEquals(List.of("reg"), ort.unregistered);
        p.deactivate();
        assertEquals(List.of("reg"), ort.unregistered);
    }

    @Test
    void deviceFilterMatchesEpNameVendorOrHardwareType() throws OrtException {
        OrtEpDevice cpu = OrtEnvironment.getEnvironment().getEpDevices().stream()
                .filter(d -> d.getEpName().equals("CPUExecutionProvider")).findFirst().orElseThrow();
        assertTrue(PluginAcceleratorProvider.matches(cpu, List.of()));
        assertTrue(PluginAcceleratorProvider.matches(cpu, List.of("cpu")));
        assertTrue(PluginAcceleratorProvider.matches(cpu, List.of("npu", "cpuexecutionprovider")));
        assertTrue(PluginAcceleratorProvider.matches(cpu, List.of("MICROSOFT")));
        assertFalse(PluginAcceleratorProvider.matches(cpu, List.of("GPU", "NPU")));
    }

    @Test
    void providerOptionsSplitAtTheFirstEquals() {
        List<String> problems = new ArrayList<>();
        Map<String, String> options = PluginAcceleratorProvider.parseOptions(
                new String[] {"device_type=HETERO:GPU,CPU", " load_config = a=b ", ""}, problems);
        assertEquals(Map.of("device_type", "HETERO:GPU,CPU", "load_config", "a=b"), options);
        assertEquals(List.of(), problems);
        PluginAcceleratorProvider.parseOptions(new String[] {"=x", "k=1", "k=2"}, problems);
        assertEquals(2, problems.size(), problems.toString());
    }

    @Test
    void rankingGivenAsTextIsCalledOut() {
        assertNull(PluginAcceleratorProvider.rankingProblem(null));
        assertNull(PluginAcceleratorProvider.rankingProblem(300));
        String problem = PluginAcceleratorProvider.rankingProblem("300");
        assertTrue(problem.contains("I\"300\""), problem);
    }

    @Test
    void registrationNameDefaultsToTheId() {
        PluginAcceleratorProvider p = provider(Map.of("id", " qnn ", "library", "x.so"), new Counting());
        assertEquals("qnn", p.id());
        assertEquals("qnn", p.registrationName());
    }
}
