package io.edgegate.shell.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.deploy.BundleDeployer;
import io.edgegate.deploy.DeployException;
import io.edgegate.deploy.DeployedBundle;
import io.edgegate.trust.ArtifactVerifier;

/**
 * {@code edgegate:deploy} and {@code edgegate:trust}. The services are optional so that the commands stay and
 * say why they cannot answer while the deployer or the verifier is stopped. ({@code edgegate:rotate-root} is
 * {@link RotateRootCommand}: Gogo cannot map a name with a hyphen to a method.)
 */
@Component(service = DeployCommands.class, property = {
    "osgi.command.scope=" + EdgegateCommands.SCOPE,
    "osgi.command.function=deploy",
    "osgi.command.function=trust"
})
public final class DeployCommands {
    static final String NO_DEPLOYER = "The bundle deployer is not running.";
    static final String NO_VERIFIER = "The trust verifier is not running.";
    /** What {@code edgectl sign} appends to the file it signs. */
    static final String MANIFEST_SUFFIX = ".manifest.json";
    private static final Logger LOG = LoggerFactory.getLogger(DeployCommands.class);

    private final AtomicReference<BundleDeployer> deployer = new AtomicReference<>();
    private final AtomicReference<ArtifactVerifier> verifier = new AtomicReference<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindDeployer(BundleDeployer service) {
        deployer.set(service);
    }

    void unbindDeployer(BundleDeployer service) {
        deployer.compareAndSet(service, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindVerifier(ArtifactVerifier service) {
        verifier.set(service);
    }

    void unbindVerifier(ArtifactVerifier service) {
        verifier.compareAndSet(service, null);
    }

    @Descriptor("verifies a signed bundle jar against <jar>.manifest.json and installs it, or updates the installed "
            + "bundle of that name; a version that does not start is rolled back")
    public String deploy(CommandSession session, @Descriptor("bundle jar") String jar) {
        Path file = resolve(session, jar);
        return deploy(file, null);
    }

    @Descriptor("verifies a signed bundle jar against its signed manifest and installs it, or updates the "
            + "installed bundle of that name; a version that does not start is rolled back")
    public String deploy(CommandSession session, @Descriptor("bundle jar") String jar,
            @Descriptor("signed manifest (edgectl sign)") String manifest) {
        return deploy(resolve(session, jar), resolve(session, manifest));
    }

    @Descriptor("shows the trust root's version and whether verification is enforced; "
            + "edgegate:rotate-root <file> installs the next root")
    public String trust() {
        ArtifactVerifier v = verifier.get();
        if (v == null) {
            return NO_VERIFIER;
        }
        return "Trust root version " + v.rootVersion() + "; " + (v.enforcing() ? "verification is enforced."
                : "DEVELOPMENT MODE: verification is NOT enforced (enforce=false in io.edgegate.trust).");
    }

    /** @param manifest null for the one edgectl sign writes beside the jar */
    String deploy(Path jar, Path manifest) {
        BundleDeployer d = deployer.get();
        if (d == null) {
            return NO_DEPLOYER;
        }
        if (!Files.isRegularFile(jar)) {
            return "No bundle jar " + jar + ".";
        }
        Path signed = manifest != null ? manifest : jar.resolveSibling(jar.getFileName() + MANIFEST_SUFFIX);
        if (!Files.isRegularFile(signed)) {
            return "No signed manifest " + signed + (manifest == null ? " (edgectl sign writes it beside the jar)."
                    : ".");
        }
        // Only to know which name to verify against: the deployer checks its own copy of the jar.
        String name;
        try {
            name = symbolicName(jar);
        } catch (IOException | SecurityException e) {
            return "Cannot read " + jar + " as a jar: " + oneLine(e.getMessage());
        }
        if (name == null) {
            return jar + " is not an OSGi bundle: its manifest has no Bundle-SymbolicName.";
        }
        try (InputStream m = Files.newInputStream(signed); InputStream j = Files.newInputStream(jar)) {
            DeployedBundle b = d.install(name, m, j);
            LOG.info("Bundle {} deployed from the shell ({})", name, jar);
            return "Deployed " + b.symbolicName() + " " + b.version() + " (signed version " + b.signedVersion()
                    + ", sha256 " + b.sha256().substring(0, Math.min(12, b.sha256().length())) + ", bundle "
                    + b.bundleId() + "): " + b.stateName() + ".";
        } catch (DeployException e) {
            String reason = e.reason() + e.verificationReason().map(r -> " " + r).orElse("");
            return "Not deployed (" + reason + "): " + oneLine(e.getMessage());
        } catch (IOException e) {
            return "Cannot read " + jar + " or " + signed + ": " + oneLine(e.getMessage());
        }
    }

    /** Bundle-SymbolicName of a jar without directives; null if it has none. */
    static String symbolicName(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest m = file.getManifest();
            String header = m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName");
            if (header == null) {
                return null;
            }
            String name = header.split(";", 2)[0].trim();
            return name.isEmpty() ? null : name;
        }
    }

    /** A path typed in the shell: relative to the session's folder. */
    static Path resolve(CommandSession session, String path) {
        Path p = Paths.get(path);
        if (p.isAbsolute()) {
            return p;
        }
        Path cwd = session == null ? null : session.currentDir();
        return (cwd != null ? cwd : Paths.get("").toAbsolutePath()).resolve(p).normalize();
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s+", " ").strip();
    }
}
