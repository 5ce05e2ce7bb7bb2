package io.edgegate.mqtt.impl;

import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code config/get} and {@code config/set} through Configuration Admin. The configurations that decide what the
 * gateway trusts ({@code io.edgegate.trust}) and the operations channel itself ({@code io.edgegate.mqtt}) are
 * read-only from here. Values of password-like properties never leave the gateway: they read as
 * {@value #MASK}, and setting that mask keeps the value there is.
 */
final class ConfigOps {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigOps.class);
    static final String MASK = "********";
    private static final List<String> READ_ONLY = List.of("io.edgegate.trust", MqttGateway.PID);
    private static final Pattern PID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._~-]{0,199}");
    private static final Pattern SECRET = Pattern.compile(".*(password|secret|token|credential|passphrase).*");

    /** Null only outside a framework (unit tests without one): then 503. */
    private final ConfigurationAdmin admin;

    ConfigOps(ConfigurationAdmin admin) {
        this.admin = admin;
    }

    Reply get(Request r) throws OpException {
        String op = "config/get";
        Body b = Body.parse(op, r.payload(), "pid");
        String pid = b.text("pid");
        ObjectNode result = Body.JSON.createObjectNode();
        if (pid == null) {
            ArrayNode list = result.putArray("configurations");
            List<Configuration> all = new ArrayList<>(List.of(find(op, null)));
            all.sort((x, y) -> x.getPid().compareTo(y.getPid()));
            for (Configuration c : all) {
                ObjectNode o = list.addObject();
                o.put("pid", c.getPid());
                if (c.getFactoryPid() != null) {
                    o.put("factoryPid", c.getFactoryPid());
                }
            }
            return Reply.ok(result);
        }
        checkPid(op, pid);
        Configuration[] found = find(op, pid);
        if (found.length == 0) {
            throw new OpException(404, op + ": no configuration '" + pid + "'");
        }
        return Reply.ok(describe(found[0]));
    }

    Reply set(Request r) throws OpException {
        String op = "config/set";
        Body b = Body.parse(op, r.payload(), "pid", "properties", "replace");
        String pid = b.text("pid");
        if (pid == null) {
            throw b.bad("'pid' is required");
        }
        checkPid(op, pid);
        ObjectNode properties = b.object("properties");
        boolean replace = b.flag("replace");
        for (String ro : READ_ONLY) {
            if (pid.equals(ro) || pid.startsWith(ro + "~")) {
                throw new OpException(403, op + ": configuration '" + pid + "' cannot be changed remotely; change it "
                        + "on the gateway (config/" + ro + ".cfg)");
            }
        }
        try {
            Configuration[] found = find(op, pid);
            Configuration c = found.length > 0 ? found[0] : admin(op).getConfiguration(pid, "?");
            Dictionary<String, Object> old = c.getProperties();
            Hashtable<String, Object> next = new Hashtable<>();
            if (old != null) {
                for (String k : Collections.list(old.keys())) {
                    if (!replace || k.startsWith("service.") || k.startsWith("felix.fileinstall.")) {
                        next.put(k, old.get(k));
                    }
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                if (key.isEmpty() || key.startsWith("service.") || key.startsWith("felix.")) {
                    throw b.bad("property '" + Body.abbreviate(key) + "' is managed by the framework");
                }
                if (e.getValue().isNull()) {
                    next.remove(key);
                } else if (secret(key) && MASK.equals(e.getValue().asText()) && old != null && old.get(key) != null) {
                    next.put(key, old.get(key)); // the masked value read back: keep what is there
                } else {
                    next.put(key, value(b, key, e.getValue()));
                }
            }
            c.update(next);
            LOG.info("MQTT {}: configuration {} {} ({} properties)", op, pid, replace ? "replaced" : "updated",
                    properties.size());
            return Reply.ok(describe(c));
        } catch (IOException | IllegalStateException e) {
            throw new OpException(500, op + ": cannot update '" + pid + "': " + e.getMessage());
        }
    }

    private ObjectNode describe(Configuration c) {
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("pid", c.getPid());
        if (c.getFactoryPid() != null) {
            o.put("factoryPid", c.getFactoryPid());
        }
        ObjectNode props = o.putObject("properties");
        Dictionary<String, Object> d = c.getProperties();
        if (d != null) {
            Map<String, Object> sorted = new TreeMap<>();
            Collections.list(d.keys()).forEach(k -> sorted.put(k, d.get(k)));
            sorted.forEach((k, v) -> props.set(k, secret(k) ? Body.JSON.valueToTree(MASK) : json(v)));
        }
        return o;
    }

    private static boolean secret(String key) {
        return SECRET.matcher(key.toLowerCase(Locale.ROOT)).matches();
    }

    /** JSON scalars and lists of one scalar type become String, Long, Double, Boolean or arrays of them. */
    private static Object value(Body b, String key, JsonNode v) throws OpException {
        if (v.isArray()) {
            List<Object> items = new ArrayList<>();
            for (JsonNode item : v) {
                items.add(value(b, key, item));
            }
            Class<?> type = items.isEmpty() ? String.class : items.get(0).getClass();
            if (items.stream().anyMatch(i -> i.getClass() != type || i.getClass().isArray())) {
                throw b.bad("property '" + key + "': a list holds values of one type only");
            }
            Object array = Array.newInstance(type, items.size());
            for (int i = 0; i < items.size(); i++) {
                Array.set(array, i, items.get(i));
            }
            return array;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isFloatingPointNumber()) {
            return v.asDouble();
        }
        throw b.bad("property '" + key + "' must be a string, number, boolean or a list of them");
    }

    private static JsonNode json(Object v) {
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return Body.JSON.valueToTree(v);
        }
        if (v != null && v.getClass().isArray()) {
            ArrayNode a = Body.JSON.createArrayNode();
            for (int i = 0; i < Array.getLength(v); i++) {
                a.add(json(Array.get(v, i)));
            }
            return a;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = Body.JSON.createArrayNode();
            c.forEach(i -> a.add(json(i)));
            return a;
        }
        return Body.JSON.valueToTree(String.valueOf(v));
    }

    private static void checkPid(String op, String pid) throws OpException {
        if (!PID.matcher(pid).matches()) {
            throw new OpException(400, op + ": '" + Body.abbreviate(pid) + "' is not a configuration pid");
        }
    }

    private Configuration[] find(String op, String pid) throws OpException {
        try {
            Configuration[] found = admin(op).listConfigurations(pid == null ? null
                    : "(" + Constants.SERVICE_PID + "=" + pid + ")");
            return found == null ? new Configuration[0] : found;
        } catch (IOException | InvalidSyntaxException e) {
            throw new OpException(500, op + ": Configuration Admin failed: " + e.getMessage());
        }
    }

    private ConfigurationAdmin admin(String op) throws OpException {
        if (admin == null) {
            throw new OpException(503, op + ": Configuration Admin is not running");
        }
        return admin;
    }
}
