package io.edgegate.shell.impl;

import static io.edgegate.shell.impl.StatusTablesTest.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceException.Reason;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.inference.ModelStatus.State;
import io.edgegate.inference.ProviderStatus;

class EdgegateCommandsTest {

    /**
     * Just enough of an inference service: a list of versions that load and unload flip. A proxy rather than
     * a class, so that methods the service gains later need nothing here.
     */
    static final class FakeService implements InvocationHandler {
        final List<ModelStatus> models = new ArrayList<>();

        InferenceService service() {
            return (InferenceService) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {InferenceService.class}, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "models":
                    return List.copyOf(models);
                case "providers":
                    return List.of(new ProviderStatus("cpu", 0, true, List.of("cpu"), models.size()));
                case "load":
                    set((String) args[0], State.READY, null, "cpu");
                    return null;
                case "unload":
                    set((String) args[0], State.UNLOADED, "unloaded on request", null);
                    return null;
                default:
                    throw new UnsupportedOperationException(method.getName() + " is not used by the commands");
            }
        }

        private void set(String model, State state, String reason, String provider) throws InferenceException {
            boolean found = false;
            for (int i = 0; i < models.size(); i++) {
                ModelStatus m = models.get(i);
                if (m.name().equals(model)) {
                    models.set(i, status(m.name(), m.version(), state, reason, provider, null));
                    found = true;
                }
            }
            if (!found) {
                throw new InferenceException(Reason.MODEL_NOT_FOUND, "no model '" + model + "' in the store");
            }
        }
    }

    private final FakeService fake = new FakeService();
    private final InferenceService service = fake.service();
    private final EdgegateCommands commands = new EdgegateCommands();

    EdgegateCommandsTest() {
        fake.models.add(status("minilm", 1, State.READY, null, "cpu", null));
        fake.models.add(status("minilm", 2, State.READY, null, "cpu", null));
        fake.models.add(status("other", 1, State.READY, null, "cpu", null));
    }

    @Test
    void withoutTheServiceEveryCommandSaysItIsNotRunning() {
        for (String text : List.of(commands.models(), commands.models("minilm"), commands.providers(),
                commands.load("minilm"), commands.unload("minilm"))) {
            assertEquals(EdgegateCommands.NOT_RUNNING, text);
        }
        commands.bindInference(service);
        commands.unbindInference(service);
        assertEquals(EdgegateCommands.NOT_RUNNING, commands.models());
    }

    @Test
    void anOldServiceGoingAwayDoesNotUnbindItsReplacement() {
        InferenceService old = new FakeService().service();
        commands.bindInference(old);
        commands.bindInference(service);
        commands.unbindInference(old);
        assertTrue(commands.models().contains("minilm"));
    }

    @Test
    void modelsWithANameListsThatModelsVersionsOnly() {
        commands.bindInference(service);
        List<String> lines = commands.models("minilm").lines().toList();
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(1).startsWith("minilm  1"), lines.get(1));
        assertTrue(lines.get(2).startsWith("minilm  2"), lines.get(2));
        assertEquals("No model 'nothing'.", commands.models("nothing"));
    }

    @Test
    void unloadAndLoadSayWhatHappenedAndShowTheVersions() {
        commands.bindInference(service);

        List<String> unloaded = commands.unload("minilm").lines().toList();
        assertEquals("Unloaded 'minilm'.", unloaded.get(0));
        assertEquals(4, unloaded.size(), unloaded.toString());
        assertTrue(unloaded.get(2).matches("minilm\\s+1\\s+UNLOADED\\s+-\\s+-\\s+unloaded on request"),
                unloaded.get(2));
        assertTrue(commands.models("other").contains("READY"), "other models are left alone");

        List<String> loaded = commands.load("minilm").lines().toList();
        assertEquals("Loaded 'minilm'.", loaded.get(0));
        assertTrue(loaded.get(3).matches("minilm\\s+2\\s+READY\\s+cpu\\s+-"), loaded.get(3));
    }

    @Test
    void anUnknownModelGivesTheServicesMessage() {
        commands.bindInference(service);
        assertEquals("no model 'nothing' in the store", commands.load("nothing"));
        assertEquals("no model 'nothing' in the store", commands.unload("nothing"));
    }

    @Test
    void providersAreListed() {
        commands.bindInference(service);
        assertEquals("ID   RANKING  AVAILABLE  DEVICES  VERSIONS\ncpu  0        yes        cpu      3",
                commands.providers());
    }
}
