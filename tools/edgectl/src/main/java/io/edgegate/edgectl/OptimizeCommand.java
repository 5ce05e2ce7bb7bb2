package io.edgegate.edgectl;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edgectl optimize}: makes an optimized variant of a model version on the gateway (docs/mqtt.md,
 * {@code models/optimize}), showing the gateway's progress while the recipe and the accuracy guard run.
 */
@Command(name = "optimize", mixinStandardHelpOptions = true,
        description = {"Makes an optimized variant of MODEL VERSION on the gateway with RECIPE (ort-graph, "
                + "int8-dynamic, fp16, int8-static), checks it against the original with the accuracy guard, and "
                + "prints its report; a variant made before with the same options is reused.",
            "Progress goes to stderr. The variant serves only if the version's model.json asks for it "
                + "(\"optimize\": {\"recipe\": ..., \"serve\": true}).",
            "Exit status 1 when the guard rejects the variant (the report says which metric fell short)."})
final class OptimizeCommand extends GatewayCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The model.")
    String model;

    @Parameters(index = "1", paramLabel = "VERSION", description = "Its installed version.")
    long version;

    @Parameters(index = "2", paramLabel = "RECIPE", description = "ort-graph, int8-dynamic, fp16 or int8-static.")
    String recipe;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE", description = "A recipe option (e.g. "
            + "perChannel=false) or a guard option (minCosine, maxAbsDiff, minTop1, samples); repeatable.")
    List<String> options = new ArrayList<>();

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        ObjectNode body = ModelsCommand.model(model, version);
        body.put("recipe", recipe);
        ObjectNode opts = body.putObject("options");
        for (String o : options) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw Failure.usage("'" + o + "' is not KEY=VALUE");
            }
            if (opts.has(o.substring(0, eq))) {
                throw Failure.usage("'" + o.substring(0, eq) + "' is given twice");
            }
            opts.put(o.substring(0, eq), o.substring(eq + 1));
        }
        String gateway = mqtt.gateway();
        PrintWriter err = err();
        Reply reply;
        try (GatewayClient client = connect(gateway)) {
            int[] shown = {-1};
            try {
                reply = parse(client.requestWithProgress("edgegate/" + gateway + "/req/models/optimize",
                        GatewayClient.newCorrelation(), json(body), mqtt.timeout, raw -> {
                            JsonNode p = progress(raw);
                            int percent = (int) Math.round(p.path("progress").asDouble() * 100);
                            if (percent > shown[0]) {
                                shown[0] = percent;
                                err.println(String.format(Locale.ROOT, "optimize: %3d%% %s", percent,
                                        p.path("message").asText("")));
                                err.flush();
                            }
                        }));
            } catch (GatewayClient.Unanswered e) {
                throw noAnswer("gateway '" + gateway + "'", gateway, e, client);
            } catch (GatewayClient.Lost e) {
                throw Failure.unavailable(e.getMessage());
            }
        }
        if (!reply.ok()) {
            if (!reply.result().isNull() && !json) {
                PrintWriter w = out();
                Render.readable(reply.result(), w);
                w.flush();
            }
            throw refused("gateway " + gateway, reply);
        }
        print(reply.result(), json);
        return 0;
    }

    private static JsonNode progress(GatewayClient.Raw raw) {
        try {
            return JSON.readTree(raw.payload()).path("result");
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
