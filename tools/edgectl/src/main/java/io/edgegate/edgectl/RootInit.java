package io.edgegate.edgectl;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.RootKey;
import io.edgegate.trust.format.TrustRootPayload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgectl root init}: trust root version 1, signed by its own keys. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Writes trust root version 1. Its keys are the --key keys (which all sign it) and the "
                + "--pub keys (listed, not signing); at least --threshold of the --key keys are needed.",
            "The root is loaded by the gateway's verifier before it is written."})
final class RootInit implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "KEY.key",
            description = "Ed25519 private key: listed in the root and signing it; repeatable.")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--pub", paramLabel = "KEY.pub",
            description = "Ed25519 public key listed in the root without signing it (an offline key); repeatable.")
    List<Path> publicKeys = new ArrayList<>();

    @Option(names = "--threshold", required = true, paramLabel = "N",
            description = "How many distinct trusted keys must sign a manifest or the next root.")
    int threshold;

    @Option(names = "--anchor", paramLabel = "CA.pem",
            description = "CA certificate that CMS signer chains may end at; repeatable.")
    List<Path> anchors = new ArrayList<>();

    @Option(names = "--expires", defaultValue = "365d", paramLabel = "WHEN", converter = Converters.Expiry.class,
            description = "Instant, date or duration from now (default: ${DEFAULT-VALUE}).")
    Instant expires;

    @Option(names = "--out", required = true, paramLabel = "ROOT", description = "Where to write the root.")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out file.")
    boolean force;

    @Override
    public Integer call() {
        Map<String, byte[]> signing = Roots.privateKeys(keys);
        List<RootKey> rootKeys = Roots.rootKeys(signing, publicKeys);
        Roots.checkThreshold(threshold, rootKeys.size(), signing.size());
        Roots.checkExpiry(expires);
        TrustRootPayload payload = new TrustRootPayload(1, threshold, rootKeys, Roots.anchors(anchors), expires);
        Envelope root = Roots.sign(payload, signing.values());
        byte[] json = root.toJson();
        Roots.checkLoads(json);
        Io.write(out, json, force, false);
        RootRotate.describe(spec.commandLine().getOut(), out, payload, root);
        return 0;
    }
}
