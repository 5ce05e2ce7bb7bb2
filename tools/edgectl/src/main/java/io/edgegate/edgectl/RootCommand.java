package io.edgegate.edgectl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code edgectl root …}: trust roots (docs/signing.md, "Trust root"). */
@Command(name = "root", mixinStandardHelpOptions = true, description = "Create and rotate trust roots.",
        subcommands = {RootInit.class, RootRotate.class})
final class RootCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: init or rotate");
    }
}
