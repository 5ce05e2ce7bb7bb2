package io.edgegate.mqtt.impl;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Configuration Admin in memory, enough for the configuration operations: get, list by pid, update. (Felix's
 * implementation brings its own copy of the org.osgi.service.cm classes, which a test outside a framework cannot
 * share with the code under test.)
 */
final class MemoryConfigAdmin {
    private static final Pattern BY_PID = Pattern.compile("\\(service\\.pid=([^)]*)\\)");

    /** pid to properties; null properties: created, never updated. */
    final Map<String, Hashtable<String, Object>> configurations = Collections.synchronizedMap(new TreeMap<>());

    ConfigurationAdmin admin() {
        return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getConfiguration" -> {
                        configurations.putIfAbsent((String) args[0], null);
                        yield configuration((String) args[0]);
                    }
                    case "listConfigurations" -> {
                        List<Configuration> found = new ArrayList<>();
                        String filter = (String) args[0];
                        Matcher m = filter == null ? null : BY_PID.matcher(filter);
                        if (m != null && !m.matches()) {
                            throw new UnsupportedOperationException(filter);
                        }
                        synchronized (configurations) {
                            configurations.forEach((pid, props) -> {
                                if (props != null && (m == null || m.group(1).equals(pid))) {
                                    found.add(configuration(pid));
                                }
                            });
                        }
                        yield found.isEmpty() ? null : found.toArray(new Configuration[0]);
                    }
                    case "toString" -> "MemoryConfigAdmin" + configurations;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private Configuration configuration(String pid) {
        return (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Configuration.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getPid" -> pid;
                    case "getFactoryPid" -> null;
                    case "getProperties" -> {
                        Hashtable<String, Object> p = configurations.get(pid);
                        yield p == null ? null : new Hashtable<>(p);
                    }
                    case "update" -> {
                        @SuppressWarnings("unchecked")
                        Dictionary<String, Object> d = (Dictionary<String, Object>) args[0];
                        Hashtable<String, Object> p = new Hashtable<>();
                        Collections.list(d.keys()).forEach(k -> p.put(k, d.get(k)));
                        p.put("service.pid", pid);
                        configurations.put(pid, p);
                        yield null;
                    }
                    case "toString" -> "Configuration " + pid;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
