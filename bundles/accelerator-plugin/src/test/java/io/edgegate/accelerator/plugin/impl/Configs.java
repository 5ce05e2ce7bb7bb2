package io.edgegate.accelerator.plugin.impl;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Configuration annotations for tests: the given values, the annotation's defaults for the rest. */
final class Configs {
    private Configs() {
    }

    static <A> A of(Class<A> type, Map<String, Object> values) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            if (m.getName().equals("annotationType")) {
                return type;
            }
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    default -> type.getSimpleName() + values;
                };
            }
            Object v = values.get(m.getName());
            return v != null ? v : m.getDefaultValue();
        });
        return type.cast(proxy);
    }
}
