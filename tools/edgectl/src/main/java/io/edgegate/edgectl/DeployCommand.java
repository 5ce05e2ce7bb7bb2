package io.edgegate.edgectl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.jar.JarFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.Manifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code edgectl deploy model|bundle}: a signed artifact uploaded to a gateway over MQTT (docs/mqtt.md). */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = "Uploads a signed model version or bundle to a gateway, resumably, and waits for the outcome.",
        subcommands = {DeployCommand.Model.class, DeployCommand.Bundle.class})
final class DeployCommand implements Runnable {
    /** The gateway refuses messages over 1 MiB ({@code maxPayloadBytes}); a chunk leaves room for its headers. */
    static final int MAX_CHUNK = 1024 * 1024 - 16 * 1024;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: model or bundle");
    }

    /** What both uploads share: the manifest, chunking, retries and progress. */
    abstract static class Artifact extends GatewayCommand {
        // Not mixinStandardHelpOptions: its -V/--version would take the model's --version.
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Option(names = "--manifest", paramLabel = "MANIFEST",
                description = "The signed manifest (default: FILE.manifest.json, as edgectl sign writes it).")
        Path manifest;

        @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "256k",
                converter = Converters.Size.class,
                description = "Bytes per message: 256k, 512KiB, 1000000; at most 1008 KiB, below the gateway's "
                        + "1 MiB message limit (default: ${DEFAULT-VALUE}).")
        int chunkSize;

        @Option(names = "--retries", paramLabel = "N", defaultValue = "5",
                description = "Times to reconnect and resume after a lost connection or a chunk without answer "
                        + "(default: ${DEFAULT-VALUE}).")
        int retries;

        @Option(names = "--install-timeout", paramLabel = "TIME", defaultValue = "5m",
                converter = Converters.Timeout.class,
                description = "How long to wait for the answer to the last chunk, while the gateway verifies, "
                        + "installs and loads (default: ${DEFAULT-VALUE}).")
        Duration installTimeout;

        @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
                description = "auto (a bar on a terminal, else a line per 10%%), bar, lines or none "
                        + "(default: ${DEFAULT-VALUE}).")
        String progress;

        abstract Path file();

        abstract ArtifactType type();

        /** {@code models/deploy}, {@code bundles/install} or {@code bundles/update}. */
        abstract String operation();

        /** Checks the manifest against what the operator said or the file says (before anything is sent). */
        abstract void check(Manifest m);

        @Override
        public Integer call() {
            Path file = file();
            String what = type().manifestName().toUpperCase(java.util.Locale.ROOT);
            Io.requireFile(file, what);
            Path manifestFile = manifest != null ? manifest : file.resolveSibling(file.getFileName()
                    + ".manifest.json");
            byte[] manifestBytes = Io.read(manifestFile, "manifest");
            Manifest m;
            JsonNode envelope;
            try {
                m = Manifest.parse(Envelope.parse(manifestBytes).payload());
                envelope = JSON.readTree(manifestBytes);
            } catch (VerificationException | IOException e) {
                throw Failure.usage("manifest " + manifestFile + " is not a signed manifest: " + e.getMessage());
            }
            if (m.type() != type()) {
                throw Failure.usage("manifest " + manifestFile + " is for a " + m.type().manifestName() + ", not a "
                        + type().manifestName());
            }
            check(m);
            if (chunkSize < 1024 || chunkSize > MAX_CHUNK) {
                throw Failure.usage("--chunk-size must be between 1 KiB and 1008 KiB (the gateway takes at most "
                        + "1 MiB per message), not " + chunkSize);
            }
            if (retries < 0) {
                throw Failure.usage("--retries must not be negative");
            }
            Progress.Mode mode;
            try {
                mode = Progress.Mode.valueOf(progress.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw Failure.usage("--progress must be auto, bar, lines or none, not " + progress);
            }
            // The gateway would refuse a mismatch only after the whole upload; say so now.
            long[] length = new long[1];
            String sha256 = SignCommand.sha256(file, length);
            if (length[0] != m.length() || !sha256.equals(m.sha256())) {
                throw Failure.usage(file + " is not the file manifest " + manifestFile + " was signed for ("
                        + length[0] + " bytes, sha256 " + sha256 + "; the manifest says " + m.length() + " bytes, "
                        + "sha256 " + m.sha256() + ")");
            }
            ObjectNode begin = JSON.createObjectNode().put("name", m.name()).put("version", m.version());
            begin.set("manifest", envelope);

            String gateway = mqtt.gateway();
            String label = type().manifestName() + " " + m.name() + " " + m.version();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                    GatewayClient client = connect(gateway)) {
                Progress p = new Progress(mode, err(), label, m.length());
                JsonNode result = new Upload(this, client, gateway, operation(), begin, channel, file, m.length(),
                        chunkSize, installTimeout, retries, p).run();
                String state = result.path("state").asText("");
                String name = type().manifestName() + " " + m.name() + " version " + m.version();
                if (state.equals("FAILED")) {
                    throw Failure.refused(name + " FAILED on gateway " + gateway + ": "
                            + result.path("reason").asText("(no reason given)"));
                }
                out().println(name + " on gateway " + gateway + ": " + (state.isEmpty() ? "done" : state));
                out().flush();
                return 0;
            } catch (IOException e) {
                throw Failure.usage("cannot read " + file + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "model",
            description = {"Deploys a signed model version: uploads FILE in chunks (resuming where the gateway "
                    + "stopped, after a broken connection or an earlier attempt), then waits until the gateway has "
                    + "verified, installed and loaded it, and prints READY; FAILED (with the reason) exits 1.",
                "--name and --version default to the manifest's; given, they must match it."})
    static final class Model extends Artifact {
        @Parameters(index = "0", paramLabel = "FILE", description = "The model file (.onnx).")
        Path file;

        @Option(names = "--name", paramLabel = "NAME", description = "The model's name.")
        String name;

        @Option(names = "--version", paramLabel = "N", description = "The version.")
        Long version;

        @Override
        Path file() {
            return file;
        }

        @Override
        ArtifactType type() {
            return ArtifactType.MODEL;
        }

        @Override
        String operation() {
            return "models/deploy";
        }

        @Override
        void check(Manifest m) {
            if (name != null && !name.equals(m.name())) {
                throw Failure.usage("the manifest is for model " + m.name() + ", not --name " + name);
            }
            if (version != null && version != m.version()) {
                throw Failure.usage("the manifest is for version " + m.version() + ", not --version " + version);
            }
        }
    }

    @Command(name = "bundle", mixinStandardHelpOptions = false,
            description = {"Deploys a signed OSGi bundle (name and version from its manifest): uploads JAR in "
                    + "chunks, resumably; the gateway verifies, installs or updates, resolves and starts it, or "
                    + "restores the previous bundle and says why.",
                "Without --update the bundle must be new on the gateway; with --update it must be installed."})
    static final class Bundle extends Artifact {
        @Parameters(index = "0", paramLabel = "JAR", description = "The bundle.")
        Path jar;

        @Option(names = "--update", description = "Replace the installed bundle of this symbolic name.")
        boolean update;

        @Override
        Path file() {
            return jar;
        }

        @Override
        ArtifactType type() {
            return ArtifactType.BUNDLE;
        }

        @Override
        String operation() {
            return update ? "bundles/update" : "bundles/install";
        }

        @Override
        void check(Manifest m) {
            String symbolicName;
            try (JarFile j = new JarFile(jar.toFile())) {
                java.util.jar.Manifest mf = j.getManifest();
                symbolicName = mf == null ? null : mf.getMainAttributes().getValue("Bundle-SymbolicName");
            } catch (IOException e) {
                throw Failure.usage("JAR " + jar + " is not a jar: " + e.getMessage());
            }
            if (symbolicName == null) {
                throw Failure.usage("JAR " + jar + " is not an OSGi bundle: no Bundle-SymbolicName");
            }
            symbolicName = symbolicName.split(";", 2)[0].trim();
            if (!symbolicName.equals(m.name())) {
                throw Failure.usage("the manifest is for bundle " + m.name() + ", but " + jar + " is "
                        + symbolicName);
            }
        }
    }
}
