package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;

/**
 * The {@code edgegate:} Gogo commands in a real Felix, run through a shell session as an operator would type
 * them: the models with their states, providers and failure reasons; the providers; unload and load.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT {
    static final String BROKEN = "broken";
    /** A second copy of MiniLM, the one unloaded and loaded again, so that the other tests never see it gone. */
    static final String SPARE = "minilm-spare";

    @Inject
    BundleContext context;

    @Inject
    CommandProcessor processor;

    @Inject
    InferenceService inference;

    @Configuration
    public Option[] config() throws IOException {
        Path home = TestGateway.home("ShellIT");
        TestGateway.installMiniLm(home, MiniLmInputs.MODEL, 1);
        TestGateway.installMiniLm(home, SPARE, 1);
        Path broken = home.resolve("models/" + BROKEN + "/1/model.onnx");
        Files.createDirectories(broken.getParent());
        Files.write(broken, "this is not an ONNX model, just text pretending".getBytes());
        return TestGateway.options(home);
    }

    /** Waits for the models present at start and for the commands to be registered with Gogo. */
    private void awaitReady() throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!inference.isReady()) {
            assertTrue("models did not finish loading in 60 s", System.currentTimeMillis() < deadline);
            Thread.sleep(50);
        }
        ServiceTracker<Object, Object> commands = new ServiceTracker<>(context,
                context.createFilter("(&(osgi.command.scope=edgegate)(osgi.command.function=models))"), null);
        commands.open();
        try {
            assertNotNull("no edgegate commands in 30 s", commands.waitForService(TimeUnit.SECONDS.toMillis(30)));
        } finally {
            commands.close();
        }
    }

    /** What the shell shows for one command line: what the command returned and what it printed. */
    private String shell(String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, err)) {
            Object result = session.execute(line);
            String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
            if (result == null) {
                return printed;
            }
            return printed + (result instanceof CharSequence ? result : session.format(result, Converter.INSPECT));
        }
    }

    /** The cells of the row of {@code model}'s version 1; columns are two or more spaces apart. */
    private static List<String> modelRow(String output, String model) {
        String line = output.lines().filter(l -> l.startsWith(model + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + model + " in\n" + output));
        return Arrays.asList(line.split("\\s{2,}", 6));
    }

    @Test
    public void modelsListsEveryVersionWithStateProviderHashAndReason() throws Exception {
        awaitReady();
        String out = shell("edgegate:models");
        List<String> lines = out.lines().toList();
        assertEquals(out, List.of("MODEL", "VERSION", "STATE", "PROVIDER", "SHA256", "REASON"),
                Arrays.asList(lines.get(0).split("\\s+")));
        assertEquals(out, 4, lines.size());
        // sorted by name
        assertTrue(out, lines.get(1).startsWith(MiniLmInputs.MODEL + " ") && lines.get(2).startsWith(BROKEN + " ")
                && lines.get(3).startsWith(SPARE + " "));

        List<String> minilm = modelRow(out, MiniLmInputs.MODEL);
        assertEquals(out, List.of(MiniLmInputs.MODEL, "1", "READY", "cpu"), minilm.subList(0, 4));
        String sha = inference.model(MiniLmInputs.MODEL, 1L).sha256().orElseThrow();
        assertEquals(out, sha.substring(0, 12), minilm.get(4));
        assertEquals(out, 5, minilm.size()); // no reason for a READY version

        List<String> broken = modelRow(out, BROKEN);
        assertEquals(out, List.of(BROKEN, "1", "FAILED", "-"), broken.subList(0, 4));
        assertEquals(out, 6, broken.size());
        assertTrue(out, broken.get(5).contains("not a readable ONNX model"));
        assertEquals("the reason is the service's, on one line",
                inference.model(BROKEN, 1L).reason().orElseThrow().replaceAll("\\s+", " ").strip(),
                broken.get(5).replaceAll("\\s+", " "));
    }

    @Test
    public void modelsWithANameShowsThatModelOnly() throws Exception {
        awaitReady();
        String out = shell("edgegate:models " + BROKEN);
        assertEquals(out, 2, out.lines().count());
        assertEquals(out, "FAILED", modelRow(out, BROKEN).get(2));
        assertEquals("No model 'nothing-here'.", shell("edgegate:models nothing-here").strip());
    }

    @Test
    public void providersListsTheCpuProvider() throws Exception {
        awaitReady();
        String out = shell("edgegate:providers");
        List<String> lines = out.lines().toList();
        assertEquals(out, List.of("ID", "RANKING", "AVAILABLE", "DEVICES", "VERSIONS"),
                Arrays.asList(lines.get(0).split("\\s+")));
        String cpuLine = lines.stream().filter(l -> l.startsWith("cpu ")).findFirst()
                .orElseThrow(() -> new AssertionError("no cpu provider in\n" + out));
        List<String> cpu = Arrays.asList(cpuLine.split("\\s{2,}"));
        assertEquals(out, "yes", cpu.get(2));
        long servedOnCpu = inference.models().stream()
                .filter(m -> m.isReady() && "cpu".equals(m.provider().orElse(null))).count();
        assertEquals(out, Long.toString(servedOnCpu), cpu.get(4));
    }

    /** The STATE cells of every row of {@code model}; a version being drained has a row of its own. */
    private static List<String> states(String output, String model) {
        return output.lines().filter(l -> l.startsWith(model + " ")).map(l -> l.split("\\s{2,}", 6)[2]).toList();
    }

    @Test
    public void unloadThenLoadTakesAModelOutOfServiceAndBack() throws Exception {
        awaitReady();
        String unloaded = shell("edgegate:unload " + SPARE);
        assertTrue(unloaded, unloaded.startsWith("Unloaded '" + SPARE + "'."));
        assertTrue(unloaded, states(unloaded, SPARE).contains("UNLOADED"));
        assertFalse(unloaded, states(unloaded, SPARE).contains("READY"));
        String models = shell("edgegate:models");
        assertTrue(models, states(models, SPARE).contains("UNLOADED"));
        assertFalse(models, states(models, SPARE).contains("READY"));
        assertEquals("other models keep serving", List.of("READY"), states(models, MiniLmInputs.MODEL));
        assertEquals(ModelStatus.State.UNLOADED, inference.model(SPARE, 1L).state());

        String loaded = shell("edgegate:load " + SPARE);
        assertTrue(loaded, loaded.startsWith("Loaded '" + SPARE + "'."));
        String readyOnCpu = SPARE + "\\s+1\\s+READY\\s+cpu\\s+[0-9a-f]{12}";
        assertTrue(loaded, loaded.lines().anyMatch(l -> l.matches(readyOnCpu)));
        assertFalse(loaded, states(loaded, SPARE).contains("UNLOADED"));
        assertEquals(ModelStatus.State.READY, inference.model(SPARE, 1L).state());
    }

    @Test
    public void anUnknownModelGetsTheServicesMessageNotAStackTrace() throws Exception {
        awaitReady();
        for (String command : List.of("edgegate:load", "edgegate:unload")) {
            String out = shell(command + " nothing-here").strip();
            assertTrue(out, out.contains("nothing-here"));
            assertFalse(out, out.contains("Exception") || out.contains("\tat "));
        }
    }

    @Test
    public void helpShowsWhatTheCommandsDo() throws Exception {
        awaitReady();
        String out = shell("help edgegate:unload");
        assertTrue(out, out.contains("stops serving every version of a model until load"));
    }
}
