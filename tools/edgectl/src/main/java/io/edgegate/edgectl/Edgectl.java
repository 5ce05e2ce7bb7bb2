package io.edgegate.edgectl;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code edgectl}: the operator's side of docs/signing.md and docs/mqtt.md. Exit status 0 on success, 1 when something
 * is refused (a manifest that does not verify, a root the keys cannot authorise, a gateway's error reply), 2 for usage
 * errors and unreadable inputs, 3 when no answer came (broker unreachable, gateway silent).
 */
@Command(name = "edgectl", mixinStandardHelpOptions = true, versionProvider = Edgectl.Version.class,
        description = {"Edgegate operator CLI: signing keys, signed manifests, verification and trust roots; "
                + "deploy, status, inference, optimization and configuration on gateways over MQTT v5.",
            "Exit status: 0 done, 1 refused, 2 usage error, 3 no answer (broker or gateway unreachable)."},
        subcommands = {KeysCommand.class, SignCommand.class, VerifyCommand.class, RootCommand.class,
            StatusCommand.class, DeployCommand.class, InferCommand.class, ConfigCommand.class, ModelsCommand.class,
            OptimizeCommand.class, BundlesCommand.class},
        exitCodeOnInvalidInput = Failure.USAGE, exitCodeOnExecutionException = Failure.REFUSED)
public final class Edgectl implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with edgectl's error handling: user errors as one line, with their exit status. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Edgectl());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            // "edgectl deploy model: …", "edgectl root init: …": the whole command, as typed.
            String name = cmd.getCommandSpec().qualifiedName(" ");
            if (e instanceof Failure f) {
                err.println(name + ": " + f.getMessage());
                err.flush();
                return f.exitCode();
            }
            // A bug, not a user error: the stack trace is what a bug report needs.
            err.println(name + ": internal error: " + e);
            e.printStackTrace(err);
            err.flush();
            return Failure.REFUSED;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: keys, sign, verify, "
                + "root, status, deploy, infer, config, models, optimize or bundles");
    }

    /** The version from the jar's manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Edgectl.class.getPackage().getImplementationVersion();
            return new String[] {"edgectl " + (v == null ? "(development build)" : v)};
        }
    }
}
