package io.edgegate.edgectl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edgectl infer}: one Open Inference Protocol v2 request over MQTT (docs/mqtt.md, {@code edgegate/<id>/infer/<model>}),
 * to one gateway or to any gateway of a fleet.
 */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = {"Runs an inference on MODEL and prints the Open Inference Protocol v2 response (JSON).",
            "Inputs are NAME:DATATYPE:SHAPE:VALUES, e.g. input_ids:INT64:1,3:101,2023,102 (SHAPE and VALUES "
                + "comma-separated; DATATYPE as in OIP v2: BOOL, INT8…INT64, UINT8…UINT64, FP16, FP32, FP64, "
                + "BYTES), or a whole request body with --body.",
            "With --fleet the request goes to edgegate/fleet/<FLEET>/infer/<MODEL>, which the broker hands to one "
                + "gateway of the fleet's shared subscription; --gateway is then not needed."})
final class InferCommand extends GatewayCommand {
    private static final Set<String> INTEGERS = Set.of("INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16",
            "UINT32", "UINT64");
    private static final Set<String> FLOATS = Set.of("FP16", "FP32", "FP64");

    @Parameters(index = "0", paramLabel = "MODEL", description = "The model's name.")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Request request;

    static final class Request {
        @Option(names = "--input", paramLabel = "NAME:DATATYPE:SHAPE:VALUES", required = true,
                description = "One input tensor; repeatable.")
        List<String> inputs;

        @Option(names = "--body", paramLabel = "FILE.json", required = true,
                description = "The OIP v2 request body ({\"inputs\": [...]}).")
        Path body;
    }

    @Option(names = "--output", paramLabel = "NAME", description = "Ask only for this output; repeatable.")
    List<String> outputs = new ArrayList<>();

    @Option(names = "--fleet", paramLabel = "FLEET", description = "Any gateway of this fleet answers.")
    String fleet;

    @Override
    public Integer call() {
        MqttOptions.topicLevel(model, "MODEL");
        ObjectNode body = request.body != null ? readBody(request.body) : JSON.createObjectNode();
        if (request.inputs != null) {
            ArrayNode inputs = body.putArray("inputs");
            request.inputs.forEach(i -> inputs.add(tensor(i)));
        }
        if (!outputs.isEmpty()) {
            ArrayNode o = body.putArray("outputs");
            outputs.forEach(n -> o.addObject().put("name", n));
        }
        String gateway = fleet == null ? mqtt.gateway() : null;
        String topic = fleet == null ? "edgegate/" + gateway + "/infer/" + model
                : "edgegate/fleet/" + MqttOptions.topicLevel(fleet, "--fleet") + "/infer/" + model;
        String target = fleet == null ? "gateway '" + gateway + "'" : "fleet '" + fleet + "'";
        try (GatewayClient client = GatewayClient.connect(mqtt, gateway == null ? null : statusTopic(gateway))) {
            Reply reply;
            try {
                reply = parse(client.request(topic, GatewayClient.newCorrelation(), json(body), GatewayClient.JSON,
                        List.of(), mqtt.timeout));
            } catch (GatewayClient.Unanswered e) {
                throw noAnswer(target, gateway, e, client);
            } catch (GatewayClient.Lost e) {
                throw Failure.unavailable(e.getMessage());
            }
            if (!reply.ok()) {
                throw refused(fleet == null ? "gateway " + gateway : "a gateway of fleet " + fleet, reply);
            }
            print(reply.body(), true);
        }
        return 0;
    }

    private static ObjectNode readBody(Path file) {
        byte[] bytes = Io.read(file, "--body");
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw Failure.usage("--body " + file + " must hold a JSON object ({\"inputs\": [...]})");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            throw Failure.usage("--body " + file + " is not JSON: " + e.getMessage());
        }
    }

    /** {@code NAME:DATATYPE:SHAPE:VALUES} as an OIP v2 input tensor, its values typed by DATATYPE. */
    static ObjectNode tensor(String spec) {
        String[] parts = spec.split(":", 4);
        if (parts.length != 4 || parts[0].isEmpty()) {
            throw Failure.usage("--input '" + spec + "' is not NAME:DATATYPE:SHAPE:VALUES, e.g. x:FP32:1,2:0.5,1.5");
        }
        String datatype = parts[1].toUpperCase(Locale.ROOT);
        if (!INTEGERS.contains(datatype) && !FLOATS.contains(datatype) && !datatype.equals("BOOL")
                && !datatype.equals("BYTES")) {
            throw Failure.usage("--input '" + spec + "': unknown DATATYPE " + parts[1] + " (BOOL, INT8…INT64, "
                    + "UINT8…UINT64, FP16, FP32, FP64 or BYTES)");
        }
        ObjectNode tensor = JSON.createObjectNode().put("name", parts[0]).put("datatype", datatype);
        ArrayNode shape = tensor.putArray("shape");
        long elements = 1;
        for (String d : parts[2].split(",")) {
            try {
                long n = Long.parseLong(d.trim());
                if (n < 0) {
                    throw new NumberFormatException();
                }
                shape.add(n);
                elements *= n;
            } catch (NumberFormatException e) {
                throw Failure.usage("--input '" + spec + "': SHAPE must be comma-separated sizes, not " + parts[2]);
            }
        }
        ArrayNode data = tensor.putArray("data");
        String[] values = parts[3].isEmpty() ? new String[0] : parts[3].split(",", -1);
        if (values.length != elements) {
            throw Failure.usage("--input '" + parts[0] + "': shape " + parts[2] + " holds " + elements
                    + " values, not " + values.length);
        }
        for (String v : values) {
            String t = v.trim();
            try {
                if (INTEGERS.contains(datatype)) {
                    data.add(Long.parseLong(t));
                } else if (FLOATS.contains(datatype)) {
                    data.add(Double.parseDouble(t));
                } else if (datatype.equals("BOOL")) {
                    if (!t.equals("true") && !t.equals("false")) {
                        throw new NumberFormatException();
                    }
                    data.add(Boolean.parseBoolean(t));
                } else {
                    data.add(v);
                }
            } catch (NumberFormatException e) {
                throw Failure.usage("--input '" + parts[0] + "': '" + v + "' is not a " + datatype + " value");
            }
        }
        return tensor;
    }
}
