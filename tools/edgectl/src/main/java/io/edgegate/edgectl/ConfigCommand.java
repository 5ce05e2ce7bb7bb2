package io.edgegate.edgectl;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code edgectl config get|set}: a gateway's Configuration Admin, remotely (docs/mqtt.md, {@code config/*}). */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Read and change a gateway's configurations (io.edgegate.trust and io.edgegate.mqtt can only "
                + "be changed on the gateway itself).",
        subcommands = {ConfigCommand.Get.class, ConfigCommand.Set.class})
final class ConfigCommand implements Runnable {
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+\\.\\d+([eE][-+]?\\d+)?");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: get or set");
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "The properties of configuration PID (passwords shown as ********), or without PID the "
                    + "list of configurations.")
    static final class Get extends GatewayCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "PID", description = "e.g. io.edgegate.http")
        String pid;

        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            ObjectNode body = JSON.createObjectNode();
            if (pid != null) {
                body.put("pid", pid);
            }
            print(operation("config/get", body), json);
            return 0;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Merges KEY=VALUE properties into configuration PID (with --replace: replaces all of its "
                    + "properties).",
                "VALUE is typed: true/false is a boolean, 42 an integer, 1.5 a decimal, anything else a string. "
                    + "KEY:=JSON gives any JSON value: a list (tags:='[\"a\",\"b\"]'), digits as a string "
                    + "(code:='\"0042\"'), null to remove the property."})
    static final class Set extends GatewayCommand {
        @Parameters(index = "0", paramLabel = "PID", description = "e.g. io.edgegate.http")
        String pid;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE", description = "Properties to set.")
        List<String> assignments = new ArrayList<>();

        @Option(names = "--replace", description = "Replace the whole configuration instead of merging.")
        boolean replace;

        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            ObjectNode properties = JSON.createObjectNode();
            for (String a : assignments) {
                int eq = a.indexOf('=');
                if (eq <= 0) {
                    throw Failure.usage("'" + a + "' is not KEY=VALUE");
                }
                boolean raw = a.charAt(eq - 1) == ':';
                String key = a.substring(0, raw ? eq - 1 : eq);
                if (key.isEmpty()) {
                    throw Failure.usage("'" + a + "' has no key");
                }
                if (properties.has(key)) {
                    throw Failure.usage("'" + key + "' is given twice");
                }
                String value = a.substring(eq + 1);
                properties.set(key, raw ? rawJson(key, value) : typed(value));
            }
            ObjectNode body = JSON.createObjectNode().put("pid", pid);
            body.set("properties", properties);
            body.put("replace", replace);
            print(operation("config/set", body), json);
            return 0;
        }
    }

    /** {@code true}/{@code false}, integers and decimals as such; everything else a string. */
    static JsonNode typed(String value) {
        if (value.equals("true") || value.equals("false")) {
            return BooleanNode.valueOf(Boolean.parseBoolean(value));
        }
        if (INTEGER.matcher(value).matches()) {
            return LongNode.valueOf(Long.parseLong(value));
        }
        if (DECIMAL.matcher(value).matches()) {
            return DoubleNode.valueOf(Double.parseDouble(value));
        }
        return TextNode.valueOf(value);
    }

    private static JsonNode rawJson(String key, String value) {
        try {
            JsonNode node = GatewayCommand.JSON.readTree(value);
            if (node == null || node.isMissingNode()) {
                throw Failure.usage(key + ":= needs a JSON value");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw Failure.usage(key + ":=" + value + " is not JSON: " + e.getOriginalMessage());
        }
    }
}
