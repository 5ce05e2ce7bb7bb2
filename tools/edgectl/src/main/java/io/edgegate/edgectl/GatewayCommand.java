package io.edgegate.edgectl;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that asks a gateway something over MQTT (docs/mqtt.md, "Replies"): the connection options, one request,
 * and the failures an operator can act on: the gateway's error reply (exit 1), no answer or no broker (exit 3).
 */
abstract class GatewayCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    MqttOptions mqtt;

    /** A reply, parsed: the status (the {@code status} user property, else the body's) and the JSON body. */
    record Reply(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** An operation's {@code result}; {@link NullNode} if there is none. */
        JsonNode result() {
            JsonNode r = body.get("result");
            return r == null ? NullNode.getInstance() : r;
        }

        String error() {
            JsonNode e = body.get("error");
            if (e != null && e.isTextual()) {
                return e.asText();
            }
            return body.isMissingNode() || body.isNull() ? "(no details)" : body.toString();
        }
    }

    static Reply parse(GatewayClient.Raw raw) {
        JsonNode body;
        try {
            body = raw.payload().length == 0 ? JSON.createObjectNode() : JSON.readTree(raw.payload());
        } catch (IOException e) {
            throw Failure.refused("the gateway's reply is not JSON: " + abbreviate(new String(raw.payload(),
                    StandardCharsets.UTF_8)));
        }
        if (body == null) {
            body = JSON.createObjectNode();
        }
        Integer status = null;
        if (raw.status() != null) {
            try {
                status = Integer.parseInt(raw.status().trim());
            } catch (NumberFormatException e) {
                throw Failure.refused("the gateway's reply has status '" + raw.status() + "', not a number");
            }
        } else if (body.path("status").isInt()) {
            status = body.get("status").asInt();
        }
        if (status == null) {
            throw Failure.refused("the gateway's reply has no status: " + abbreviate(body.toString()));
        }
        return new Reply(status, body);
    }

    /** Connects to the broker for requests to this command's gateway, watching its retained status. */
    GatewayClient connect(String gateway) {
        return GatewayClient.connect(mqtt, statusTopic(gateway));
    }

    static String statusTopic(String gateway) {
        return "edgegate/" + gateway + "/status";
    }

    /**
     * Runs one operation on the gateway ({@code edgegate/<id>/req/<operation>}) and returns its result; anything but
     * success is a {@link Failure}.
     */
    JsonNode operation(String operation, ObjectNode body) {
        String gateway = mqtt.gateway();
        try (GatewayClient client = connect(gateway)) {
            Reply reply = request(client, gateway, "edgegate/" + gateway + "/req/" + operation, json(body),
                    GatewayClient.JSON, List.of(), GatewayClient.newCorrelation(), mqtt.timeout);
            if (!reply.ok()) {
                throw refused("gateway " + gateway, reply);
            }
            return reply.result();
        }
    }

    /** One request that must be answered; no answer or a lost connection is a {@link Failure}, like the reply's errors. */
    Reply request(GatewayClient client, String gateway, String topic, byte[] payload, String contentType,
            List<UserProperty> properties, byte[] correlation, Duration timeout) {
        try {
            return parse(client.request(topic, correlation, payload, contentType, properties, timeout));
        } catch (GatewayClient.Unanswered e) {
            throw noAnswer("gateway '" + gateway + "'", gateway, e, client);
        } catch (GatewayClient.Lost e) {
            throw Failure.unavailable(e.getMessage());
        }
    }

    /** {@code gateway gw-1 refused: 403 …}: the gateway's own words, with its status code. */
    static Failure refused(String target, Reply reply) {
        String verb = reply.status() >= 500 ? "failed" : "refused";
        return Failure.refused(target + " " + verb + ": " + reply.status() + " " + reply.error());
    }

    /**
     * {@code no answer from gateway 'gw-1' on tcp://… within 30 s (is it connected? check edgegate/gw-1/status)};
     * the hint says so when the gateway's retained status already tells it is offline.
     *
     * @param gateway the gateway's id, or null for a fleet
     */
    Failure noAnswer(String target, String gateway, GatewayClient.Unanswered e, GatewayClient client) {
        byte[] lastStatus = client == null ? null : client.lastStatus();
        String what = e.noSubscriber ? ": " + e.getMessage()
                : " within " + Converters.Timeout.format(mqtt.timeout);
        String hint = "";
        if (gateway != null) {
            String topic = statusTopic(gateway);
            hint = " (is it connected? check " + topic + ")";
            if (lastStatus == null && e.noSubscriber && client != null) {
                // Failing at once can beat the retained status to it: give it a moment to arrive.
                lastStatus = client.awaitStatus(Duration.ofMillis(300));
            }
            if (lastStatus != null) {
                try {
                    JsonNode status = JSON.readTree(lastStatus);
                    if (status != null && status.path("online").isBoolean() && !status.get("online").asBoolean()) {
                        hint = " (it is offline, says the retained " + topic + ")";
                    }
                } catch (IOException ignored) {
                    // Not ours to judge; the plain hint stands.
                }
            }
        }
        return Failure.unavailable("no answer from " + mqtt.where(target) + what + hint);
    }

    static byte[] json(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Prints a result: indented JSON with {@code --json}, else {@link Render#readable}. */
    void print(JsonNode result, boolean json) {
        PrintWriter w = out();
        if (json) {
            w.println(Render.pretty(result));
        } else {
            Render.readable(result, w);
        }
        w.flush();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
