package io.edgegate.edgectl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code edgectl bundles …}: OSGi bundles on a gateway (docs/mqtt.md, {@code bundles/*}); deploying is {@code edgectl deploy bundle}. */
@Command(name = "bundles", mixinStandardHelpOptions = true,
        description = "Bundles on a gateway: list, uninstall (deploy with: edgectl deploy bundle).",
        subcommands = {BundlesCommand.ListBundles.class, BundlesCommand.Uninstall.class})
final class BundlesCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: list or uninstall");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every bundle: id, symbolic name, version, state, and whether it was deployed remotely.")
    static final class ListBundles extends GatewayCommand {
        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            print(operation("bundles/list", JSON.createObjectNode()), json);
            return 0;
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true,
            description = "Uninstalls a bundle deployed with edgectl deploy bundle (protected bundles are refused).")
    static final class Uninstall extends GatewayCommand {
        @Parameters(index = "0", paramLabel = "SYMBOLIC-NAME", description = "The bundle.")
        String name;

        @Option(names = "--json", description = "Print the answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            print(operation("bundles/uninstall", JSON.createObjectNode().put("name", name)), json);
            return 0;
        }
    }
}
