package io.edgegate.edgectl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Gateway answers for people: objects as {@code key: value} lines, lists of objects as aligned tables, hashes
 * shortened. Any JSON shape renders, so a gateway that adds fields shows them without a new edgectl; {@code --json}
 * gives the exact document.
 */
final class Render {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    private Render() {
    }

    static String pretty(JsonNode node) {
        try {
            return GatewayCommand.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void readable(JsonNode node, PrintWriter w) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            w.println("ok");
        } else if (node.isObject()) {
            object(node, "", w);
        } else if (node.isArray()) {
            array(node, "", w);
        } else {
            w.println(text(node));
        }
    }

    private static void object(JsonNode object, String indent, PrintWriter w) {
        if (object.isEmpty()) {
            w.println(indent + "(empty)");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode v = field.getValue();
            if (v.isObject()) {
                w.println(indent + field.getKey() + ":");
                object(v, indent + "  ", w);
            } else if (v.isArray() && !v.isEmpty() && allObjects(v)) {
                w.println(indent + field.getKey() + ":");
                table(v, indent + "  ", w);
            } else {
                w.println(indent + field.getKey() + ": " + text(v));
            }
        }
    }

    private static void array(JsonNode array, String indent, PrintWriter w) {
        if (!array.isEmpty() && allObjects(array)) {
            table(array, indent, w);
        } else {
            w.println(indent + text(array));
        }
    }

    private static boolean allObjects(JsonNode array) {
        for (JsonNode e : array) {
            if (!e.isObject()) {
                return false;
            }
        }
        return true;
    }

    /** Columns in the order their names first appear; a missing value is "-". */
    private static void table(JsonNode rows, String indent, PrintWriter w) {
        Set<String> columns = new LinkedHashSet<>();
        rows.forEach(r -> r.fieldNames().forEachRemaining(columns::add));
        List<String> names = new ArrayList<>(columns);
        int[] width = new int[names.size()];
        List<String[]> cells = new ArrayList<>();
        String[] header = new String[names.size()];
        for (int i = 0; i < names.size(); i++) {
            header[i] = names.get(i).toUpperCase(Locale.ROOT);
            width[i] = header[i].length();
        }
        for (JsonNode r : rows) {
            String[] line = new String[names.size()];
            for (int i = 0; i < names.size(); i++) {
                JsonNode v = r.get(names.get(i));
                line[i] = v == null ? "-" : text(v);
                width[i] = Math.max(width[i], line[i].length());
            }
            cells.add(line);
        }
        w.println(indent + row(header, width));
        cells.forEach(line -> w.println(indent + row(line, width)));
    }

    private static String row(String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            b.append(cells[i]);
            if (i < cells.length - 1) {
                b.append(" ".repeat(width[i] - cells[i].length() + 2));
            }
        }
        return b.toString();
    }

    private static String text(JsonNode v) {
        if (v.isNull()) {
            return "-";
        }
        if (v.isTextual()) {
            String s = v.asText();
            return HASH.matcher(s).matches() ? s.substring(0, 12) + "…" : s;
        }
        if (v.isArray()) {
            if (v.isEmpty()) {
                return "(none)";
            }
            List<String> items = new ArrayList<>();
            v.forEach(e -> items.add(e.isValueNode() ? text(e) : e.toString()));
            return String.join(", ", items);
        }
        return v.isValueNode() ? v.asText() : v.toString();
    }
}
