package io.edgegate.edgectl;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.KeyIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code edgectl keys …}: Ed25519 signing keys. */
@Command(name = "keys", description = "Ed25519 signing keys.", mixinStandardHelpOptions = true,
        subcommands = KeysCommand.Generate.class)
final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: generate");
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = {"Generates an Ed25519 key pair: NAME.key (PKCS#8 PEM, mode 600) and NAME.pub (PEM), "
                    + "and prints its key id (the SHA-256 of the raw public key, as trust roots list it)."})
    static final class Generate implements Callable<Integer> {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}");

        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the key files.")
        Path out;

        @Option(names = "--name", defaultValue = "edgegate", paramLabel = "NAME",
                description = "File name without extension (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--force", description = "Replace existing key files.")
        boolean force;

        @Override
        public Integer call() {
            if (!NAME.matcher(name).matches()) {
                throw Failure.usage("--name must be letters, digits, '.', '_' or '-', not starting with '.'");
            }
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw Failure.usage("--out " + out + " is not a folder");
            }
            Path key = out.resolve(name + ".key");
            Path pub = out.resolve(name + ".pub");
            if (!force) {
                for (Path p : new Path[] {key, pub}) {
                    if (Files.exists(p)) {
                        throw Failure.usage(p + " already exists (use --force to replace it)");
                    }
                }
            }
            byte[] privateKey = Ed25519Keys.generatePrivateKey(new SecureRandom());
            byte[] publicKey = Ed25519Keys.publicKey(privateKey);
            Io.write(key, Ed25519Keys.privateKeyToPem(privateKey).getBytes(StandardCharsets.US_ASCII), force, true);
            Io.write(pub, Ed25519Keys.publicKeyToPem(publicKey).getBytes(StandardCharsets.US_ASCII), force, false);
            var w = spec.commandLine().getOut();
            w.println("private key: " + key);
            w.println("public key:  " + pub);
            w.println("key id:      " + KeyIds.ofEd25519(publicKey));
            w.flush();
            return 0;
        }
    }
}
