package io.edgegate.edgectl;

import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code edgectl models …}: the model versions on a gateway (docs/mqtt.md, {@code models/*}); deploying is {@code edgectl deploy model}. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Model versions on a gateway: list, activate, rollback, remove (deploy with: edgectl deploy "
                + "model).",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Activate.class, ModelsCommand.Rollback.class,
            ModelsCommand.Remove.class})
final class ModelsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: list, activate, rollback or "
                + "remove");
    }

    static ObjectNode model(String name, Long version) {
        ObjectNode body = GatewayCommand.JSON.createObjectNode().put("name", name);
        if (version != null) {
            if (version <= 0) {
                throw Failure.usage("VERSION must be a positive integer, not " + version);
            }
            body.put("version", version);
        }
        return body;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every model version on the gateway's disk, with its state (and why, when FAILED).")
    static final class ListVersions extends GatewayCommand {
        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            print(operation("models/list", JSON.createObjectNode()), json);
            return 0;
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true,
            description = "Serve exactly this version (it must be on the gateway's disk and installed).")
    static final class Activate extends GatewayCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The model.")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION", description = "The version to serve.")
        long version;

        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            print(operation("models/activate", model(name, version)), json);
            return 0;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Serve the newest version older than the one serving now, or VERSION.")
    static final class Rollback extends GatewayCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The model.")
        String name;

        @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION", description = "The version to go back to.")
        Long version;

        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            print(operation("models/rollback", model(name, version)), json);
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Deletes a version from the gateway. Removing the only serving version needs --force.")
    static final class Remove extends GatewayCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The model.")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION", description = "The version to delete.")
        long version;

        @Option(names = "--force", description = "Also when it is the only version serving.")
        boolean force;

        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            ObjectNode body = model(name, version);
            if (force) {
                body.put("force", true);
            }
            print(operation("models/remove", body), json);
            return 0;
        }
    }
}
