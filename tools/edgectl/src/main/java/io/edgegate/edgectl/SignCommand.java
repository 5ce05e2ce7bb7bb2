package io.edgegate.edgectl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code edgectl sign}: a DSSE manifest for one artifact (docs/signing.md, "Manifest payload"). */
@Command(name = "sign",
        description = {"Writes a signed manifest for FILE: its SHA-256 and length, one Ed25519 signature per --key "
                + "(a key given twice signs once) and, with --cert, one CMS signature.",
            "The manifest is written to --out, by default FILE.manifest.json (replaced if it exists)."})
final class SignCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    // Not mixinStandardHelpOptions: its -V/--version would take --version from the manifest's version.
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "FILE", description = "The artifact: model file, bundle jar or root.")
    Path file;

    @Option(names = "--type", required = true, paramLabel = "TYPE", converter = Converters.Type.class,
            description = "model, bundle or trust-root.")
    ArtifactType type;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Model name, bundle symbolic name, or root.")
    String name;

    @Option(names = "--version", required = true, paramLabel = "N",
            description = "Positive integer, higher than any version of this name signed before.")
    long version;

    @Option(names = "--expires", required = true, paramLabel = "WHEN", converter = Converters.Expiry.class,
            description = "Instant (2027-06-30T00:00:00Z), date (2027-06-30) or duration from now (90d, 12h).")
    Instant expires;

    @Option(names = "--key", paramLabel = "KEY.key", description = "Ed25519 private key (PKCS#8 PEM); repeatable.")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--cert", paramLabel = "CERT.pem", description = "Signer certificate for a CMS signature.")
    Path cert;

    @Option(names = "--cert-key", paramLabel = "KEY.pem", description = "The --cert's private key (PKCS#8 PEM).")
    Path certKey;

    @Option(names = "--chain", paramLabel = "CA.pem",
            description = "Intermediate certificates to embed after --cert; repeatable.")
    List<Path> chain = new ArrayList<>();

    @Option(names = "--gateway", paramLabel = "ID", description = "Only for this gateway; repeatable.")
    List<String> gateways = new ArrayList<>();

    @Option(names = "--hardware", paramLabel = "CLASS",
            description = "Only for this hardware class (linux-x86_64, linux-aarch64, …); repeatable.")
    List<String> hardware = new ArrayList<>();

    @Option(names = "--rollback", description = "A signed rollback directive: accepted even if not newer.")
    boolean rollback;

    @Option(names = "--out", paramLabel = "MANIFEST", description = "Where to write the manifest.")
    Path out;

    @Override
    public Integer call() {
        if (keys.isEmpty() && cert == null) {
            throw Failure.usage("nothing to sign with: give --key and/or --cert with --cert-key");
        }
        if ((cert == null) != (certKey == null)) {
            throw Failure.usage("--cert and --cert-key go together");
        }
        if (cert == null && !chain.isEmpty()) {
            throw Failure.usage("--chain needs --cert");
        }
        if (version <= 0) {
            throw Failure.usage("--version must be a positive integer, not " + version);
        }
        if (!expires.isAfter(Instant.now())) {
            throw Failure.usage("--expires " + expires + " is not in the future: the manifest would be refused");
        }
        if (gateways.stream().anyMatch(String::isBlank) || hardware.stream().anyMatch(String::isBlank)) {
            throw Failure.usage("--gateway and --hardware must not be empty");
        }
        Map<String, byte[]> ed25519 = new LinkedHashMap<>();
        for (Path k : keys) {
            byte[] privateKey = Io.ed25519PrivateKey(k);
            ed25519.putIfAbsent(KeyIds.ofEd25519(Ed25519Keys.publicKey(privateKey)), privateKey);
        }
        PrivateKey cmsKey = null;
        List<X509Certificate> certificates = new ArrayList<>();
        if (cert != null) {
            cmsKey = Io.anyPrivateKey(certKey);
            List<X509Certificate> leaf = Io.certificates(cert);
            if (leaf.size() != 1) {
                throw Failure.usage("--cert " + cert + " must hold exactly one certificate (put the others in "
                        + "--chain), not " + leaf.size());
            }
            certificates.addAll(leaf);
            chain.forEach(c -> certificates.addAll(Io.certificates(c)));
        }

        Io.requireFile(file, "FILE");
        long[] length = new long[1];
        String sha256 = sha256(file, length);
        Manifest manifest;
        try {
            manifest = new Manifest(type, name, version, sha256, length[0], expires,
                    new Targets(gateways, hardware), rollback);
        } catch (IllegalArgumentException e) {
            throw Failure.usage(e.getMessage());
        }
        Envelope envelope = manifest.toEnvelope();
        for (byte[] privateKey : ed25519.values()) {
            envelope = envelope.signedEd25519(privateKey);
        }
        if (cmsKey != null) {
            try {
                envelope = envelope.signedCms(cmsKey, certificates);
            } catch (IllegalArgumentException e) {
                throw Failure.usage("cannot sign with --cert-key " + certKey + ": " + e.getMessage());
            }
        }
        Path target = out != null ? out : file.resolveSibling(file.getFileName() + ".manifest.json");
        Io.write(target, envelope.toJson(), true, false);

        var w = spec.commandLine().getOut();
        w.println("wrote " + target + ": " + type.manifestName() + " " + name + " version " + version + ", "
                + length[0] + " bytes, sha256 " + sha256 + ", expires " + expires);
        for (Envelope.Signature s : envelope.signatures()) {
            w.println("  signed: " + s);
        }
        w.flush();
        return 0;
    }

    /** Streams the file once: models can be large. */
    static String sha256(Path file, long[] length) {
        MessageDigest digest = KeyIds.sha256();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
                total += n;
            }
        } catch (IOException e) {
            throw Failure.usage("cannot read FILE " + file + ": " + e.getMessage());
        }
        length[0] = total;
        return HexFormat.of().formatHex(digest.digest());
    }
}
