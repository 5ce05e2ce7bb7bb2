package io.edgegate.edgectl;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.RootKey;
import io.edgegate.trust.format.TrustRootPayload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgectl root rotate}: root N+1, signed by a threshold of root N's keys and a threshold of its own. The new
 * root lists exactly the --key and --new-pub keys; root N's keys are not carried over unless given again.
 */
@Command(name = "rotate", mixinStandardHelpOptions = true,
        description = {"Writes trust root N+1 from root N (--root).",
            "Keys in the new root: exactly the public halves of --key and the --new-pub keys. Keys of the old "
                + "root are NOT carried over; to keep one, give it again with --key (or --new-pub).",
            "Signatures: every --old-key (at least root N's threshold of them, all listed in root N) and every "
                + "--key (at least --threshold); a key given as both signs once.",
            "Anchors: the --anchor certificates if any; otherwise root N's anchors, unless --drop-anchors.",
            "The rotation is checked by the gateway's verifier (loaded with root N) before anything is written."})
final class RootRotate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--root", required = true, paramLabel = "OLD.json", description = "The current root (version N).")
    Path root;

    @Option(names = "--old-key", required = true, paramLabel = "KEY.key",
            description = "Private key listed in root N, authorising the rotation; repeatable.")
    List<Path> oldKeys = new ArrayList<>();

    @Option(names = "--key", required = true, paramLabel = "KEY.key",
            description = "Private key of the new root: listed in it and signing it; repeatable.")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--new-pub", paramLabel = "KEY.pub",
            description = "Public key listed in the new root without signing it; repeatable.")
    List<Path> newPublicKeys = new ArrayList<>();

    @Option(names = "--threshold", required = true, paramLabel = "N", description = "The new root's threshold.")
    int threshold;

    @Option(names = "--anchor", paramLabel = "CA.pem", description = "The new root's anchors; repeatable.")
    List<Path> anchors = new ArrayList<>();

    @Option(names = "--drop-anchors", description = "No anchors in the new root (without --anchor).")
    boolean dropAnchors;

    @Option(names = "--expires", defaultValue = "365d", paramLabel = "WHEN", converter = Converters.Expiry.class,
            description = "Instant, date or duration from now (default: ${DEFAULT-VALUE}).")
    Instant expires;

    @Option(names = "--out", required = true, paramLabel = "NEW.json", description = "Where to write root N+1.")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out file.")
    boolean force;

    @Override
    public Integer call() {
        if (dropAnchors && !anchors.isEmpty()) {
            throw Failure.usage("--drop-anchors and --anchor exclude each other");
        }
        byte[] oldBytes = Io.read(root, "--root");
        TrustRootPayload old = Roots.read(root, oldBytes);
        if (out.toAbsolutePath().normalize().equals(root.toAbsolutePath().normalize())) {
            throw Failure.usage("--out must not be --root: gateways rotate from the old root, keep it");
        }

        Map<String, byte[]> oldSigning = Roots.privateKeys(oldKeys);
        Set<String> listed = old.keys().stream().map(RootKey::keyid).collect(Collectors.toSet());
        for (String keyid : oldSigning.keySet()) {
            if (!listed.contains(keyid)) {
                throw Failure.usage("--old-key " + keyid + " is not a key of root " + old.version() + " (" + root
                        + ")");
            }
        }
        if (oldSigning.size() < old.threshold()) {
            throw Failure.usage("root " + old.version() + " needs " + old.threshold() + " of its keys to authorise "
                    + "a rotation, but --old-key gives " + oldSigning.size());
        }
        Map<String, byte[]> newSigning = Roots.privateKeys(keys);
        List<RootKey> rootKeys = Roots.rootKeys(newSigning, newPublicKeys);
        Roots.checkThreshold(threshold, rootKeys.size(), newSigning.size());
        Roots.checkExpiry(expires);
        List<String> newAnchors = !anchors.isEmpty() ? Roots.anchors(anchors)
                : dropAnchors ? List.of() : old.anchors();

        TrustRootPayload payload = new TrustRootPayload(old.version() + 1, threshold, rootKeys, newAnchors, expires);
        Map<String, byte[]> signers = new LinkedHashMap<>(oldSigning);
        newSigning.forEach(signers::putIfAbsent);
        Envelope next = Roots.sign(payload, signers.values());
        byte[] json = next.toJson();
        Roots.checkRotation(oldBytes, json);
        Io.write(out, json, force, false);
        describe(spec.commandLine().getOut(), out, payload, next);
        return 0;
    }

    static void describe(PrintWriter w, Path out, TrustRootPayload root, Envelope envelope) {
        w.println("wrote " + out + ": trust root version " + root.version() + ", threshold " + root.threshold()
                + ", " + root.keys().size() + " key(s), " + root.anchors().size() + " anchor(s), expires "
                + root.expires());
        for (RootKey k : root.keys()) {
            w.println("  key       " + k.keyid());
        }
        for (Envelope.Signature s : envelope.signatures()) {
            w.println("  signed by " + s.keyid());
        }
        w.flush();
    }
}
