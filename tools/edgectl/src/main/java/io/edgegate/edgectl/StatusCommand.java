package io.edgegate.edgectl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgectl status}: the gateway's status document (docs/mqtt.md, operation {@code status}). */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Asks the gateway for its status: online, version, models and their state, accelerator "
                + "providers, trust root.", "The same document is retained on edgegate/<id>/status."})
final class StatusCommand extends GatewayCommand {
    @Option(names = "--json", description = "Print the status document as JSON.")
    boolean json;

    @Override
    public Integer call() {
        print(operation("status", JSON.createObjectNode()), json);
        return 0;
    }
}
