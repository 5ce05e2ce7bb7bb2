package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.edgegate.store.impl.FileSystemModelStore;
import io.edgegate.testkit.TestTrust;

/** The real parts around the optimizer: a signed-model store over a home of the test's own, and configurations. */
final class TestGateways {
    private TestGateways() {
    }

    /** Signs every model under {@code home/models} and opens the store over it (no periodic scan). */
    static FileSystemModelStore store(Path home, TestTrust trust) throws IOException {
        Files.createDirectories(home.resolve("models"));
        trust.signAll(home.resolve("models"));
        return new FileSystemModelStore(home.resolve("models"), home.resolve("data/models"), trust.verifier(), 0);
    }

    /** The optimizer's configuration: these values, else the declared defaults. */
    static OnnxModelOptimizer.Config config(Map<String, Object> values) {
        return annotation(OnnxModelOptimizer.Config.class, values);
    }

    @SuppressWarnings("unchecked")
    static <A extends Annotation> A annotation(Class<A> type, Map<String, Object> values) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "annotationType":
                    return type;
                case "toString":
                    return type.getSimpleName() + values;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    break;
            }
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            return method.getDefaultValue();
        });
    }
}
