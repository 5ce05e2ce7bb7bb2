package io.edgegate.edgectl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerifiedArtifact;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.impl.BouncyCastleArtifactVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code edgectl verify}: runs the gateway's own verifier ({@link BouncyCastleArtifactVerifier}, enforcing) over a
 * throw-away state folder, so the answer is the gateway's answer for a gateway that has accepted nothing yet.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verifies FILE against its signed manifest and a trust root, exactly as a gateway would "
                + "(replay aside: nothing counts as accepted before). Prints OK and the signers' key ids, or "
                + "REFUSED with the reason (exit 1).",
            "--type and --name default to what the manifest says. Without --gateway / --hardware the manifest's "
                + "targets are not checked."})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The artifact.")
    Path file;

    @Option(names = "--manifest", required = true, paramLabel = "MANIFEST", description = "The signed manifest.")
    Path manifest;

    @Option(names = "--root", required = true, paramLabel = "ROOT", description = "The trust root (trust-root.json).")
    Path root;

    @Option(names = "--gateway", paramLabel = "ID", description = "Check the targets for this gateway id.")
    String gateway;

    @Option(names = "--hardware", paramLabel = "CLASS", description = "Check the targets for this hardware class.")
    String hardware;

    @Option(names = "--type", paramLabel = "TYPE", converter = Converters.Type.class,
            description = "What is being installed: model, bundle or trust-root.")
    ArtifactType type;

    @Option(names = "--name", paramLabel = "NAME", description = "The name being installed.")
    String name;

    @Override
    public Integer call() {
        Io.requireFile(file, "FILE");
        byte[] manifestBytes = Io.read(manifest, "manifest");
        Io.requireFile(root, "trust root");
        Manifest claimed = unverifiedPayload(manifestBytes);
        ArtifactType t = type != null ? type : claimed != null ? claimed.type() : ArtifactType.MODEL;
        String n = name != null ? name : claimed != null ? claimed.name() : "unknown";
        // Unchecked targets: a value the manifest itself lists, so that only the signatures and content decide.
        String g = gateway != null ? gateway : anyOf(claimed == null ? List.of() : claimed.targets().gateways());
        String h = hardware != null ? hardware : anyOf(claimed == null ? List.of() : claimed.targets().hardware());

        Path state = null;
        try {
            state = Files.createTempDirectory("edgectl-verify");
            BouncyCastleArtifactVerifier verifier;
            try {
                verifier = new BouncyCastleArtifactVerifier(root, state, g, h, true);
            } catch (VerificationException e) {
                throw Failure.refused("trust root " + root + " does not load: " + e.reason() + ": " + e.getMessage());
            }
            VerifiedArtifact a;
            try (InputStream m = Files.newInputStream(manifest); InputStream c = Files.newInputStream(file)) {
                a = verifier.verify(t, n, m, c);
            } catch (VerificationException e) {
                var w = spec.commandLine().getOut();
                w.println("REFUSED " + e.reason() + ": " + e.getMessage());
                w.flush();
                return Failure.REFUSED;
            }
            var w = spec.commandLine().getOut();
            w.println("OK " + a.type().manifestName() + " " + a.name() + " version " + a.version()
                    + (a.rollback() ? " (rollback directive)" : "") + ", " + a.length() + " bytes, sha256 "
                    + a.sha256() + ", expires " + a.expires() + ", root version " + verifier.rootVersion());
            if (gateway == null && claimed != null && !claimed.targets().gateways().isEmpty()) {
                w.println("  gateways " + claimed.targets().gateways() + " not checked (give --gateway)");
            }
            if (hardware == null && claimed != null && !claimed.targets().hardware().isEmpty()) {
                w.println("  hardware " + claimed.targets().hardware() + " not checked (give --hardware)");
            }
            for (String signer : a.signers()) {
                w.println("  signed by " + signer);
            }
            w.flush();
            return 0;
        } catch (IOException e) {
            throw Failure.usage("cannot read or stage the files: " + e.getMessage());
        } finally {
            Io.deleteTree(state);
        }
    }

    /** The manifest's claims before verification, only to default --type, --name and the targets. */
    private static Manifest unverifiedPayload(byte[] manifestBytes) {
        try {
            return Manifest.parse(Envelope.parse(manifestBytes).payload());
        } catch (VerificationException e) {
            return null; // The verifier reports it, in its order.
        }
    }

    private static String anyOf(List<String> listed) {
        return listed.isEmpty() ? "any" : listed.get(0);
    }
}
