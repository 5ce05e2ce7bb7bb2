package io.edgegate.trust.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.ArtifactVerifier;
import io.edgegate.trust.CheckedManifest;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.VerifiedArtifact;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;

/**
 * Verifies signed manifests (docs/signing.md) against the trust root in {@code rootFile}, remembers accepted
 * versions in {@code stateDirectory/accepted.json} and copies content to {@code stateDirectory/incoming} while
 * checking it. In development mode ({@code enforce=false}) every check still runs and is logged, but a failing
 * artifact is passed through; roots and the accepted-version record are never touched by unverified input.
 */
@Component(configurationPid = BouncyCastleArtifactVerifier.PID)
@Designate(ocd = BouncyCastleArtifactVerifier.Config.class)
public final class BouncyCastleArtifactVerifier implements ArtifactVerifier {
    static final String PID = "io.edgegate.trust";
    /** Framework property naming the gateway's home; relative paths resolve against it. */
    static final String HOME_PROPERTY = "edgegate.home";
    private static final int MAX_PENDING = 1024;
    private static final Duration STALE = Duration.ofHours(24);
    private static final Logger LOG = LoggerFactory.getLogger(BouncyCastleArtifactVerifier.class);

    @ObjectClassDefinition(name = "Edgegate trust", description = "Verification of signed models, bundles and "
            + "trust roots; see docs/signing.md.")
    public @interface Config {
        @AttributeDefinition(description = "The trust root envelope; a relative path resolves against the gateway "
                + "home. Rotations replace it and keep the old one beside it as trust-root.<N>.json.")
        String rootFile() default "config/trust-root.json";

        @AttributeDefinition(description = "Folder for accepted.json (highest accepted versions) and incoming/ "
                + "(private copies being verified); relative to the gateway home.")
        String stateDirectory() default "data/trust";

        @AttributeDefinition(description = "This gateway's id, matched against a manifest's targets.gateways; "
                + "empty means the host name.")
        String gatewayId() default "";

        @AttributeDefinition(description = "This gateway's hardware class, matched against targets.hardware; "
                + "empty means <os>-<arch> of this JVM, e.g. linux-x86_64.")
        String hardware() default "";

        @AttributeDefinition(description = "false switches on the development mode: artifacts that fail "
                + "verification are installed anyway, with a warning. Never in production.")
        boolean enforce() default true;
    }

    /** What verify() handed out, so that accept() records exactly that and only once. */
    private record Pending(VerifiedArtifact artifact, boolean verified, String rollbackDigest) {
    }

    private record Checked(Manifest manifest, List<String> signers, String payloadSha256, boolean rollbackUsed) {
    }

    private final TrustRootFile rootStore;
    private final Path incoming;
    private final String gatewayId;
    private final String hardware;
    private final boolean enforce;
    private final Clock clock;
    private final AcceptedVersions accepted;
    private final Object rotation = new Object();
    private final Map<Path, Pending> pending = Collections.synchronizedMap(new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Pending> eldest) {
            return size() > MAX_PENDING;
        }
    });
    /** Null only in development mode, when no usable root could be loaded. */
    private volatile TrustRoot root;

    @Activate
    public BouncyCastleArtifactVerifier(BundleContext context, Config config) throws VerificationException {
        this(resolve(context.getProperty(HOME_PROPERTY), config.rootFile()),
                resolve(context.getProperty(HOME_PROPERTY), config.stateDirectory()),
                config.gatewayId().isBlank() ? hostName() : config.gatewayId().trim(),
                config.hardware().isBlank() ? hardwareClass(System.getProperty("os.name", ""),
                        System.getProperty("os.arch", "")) : config.hardware().trim(),
                config.enforce(), Clock.systemUTC());
    }

    /**
     * @throws VerificationException if the root cannot be loaded (only when enforcing) or the state cannot be
     *         read: the gateway must not run without either
     */
    public BouncyCastleArtifactVerifier(Path rootFile, Path stateDirectory, String gatewayId, String hardware,
            boolean enforce) throws VerificationException {
        this(rootFile, stateDirectory, gatewayId, hardware, enforce, Clock.systemUTC());
    }

    BouncyCastleArtifactVerifier(Path rootFile, Path stateDirectory, String gatewayId, String hardware,
            boolean enforce, Clock clock) throws VerificationException {
        Path state = stateDirectory.toAbsolutePath().normalize();
        this.incoming = state.resolve("incoming");
        this.gatewayId = Objects.requireNonNull(gatewayId, "gatewayId");
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.enforce = enforce;
        this.clock = clock;
        try {
            Files.createDirectories(incoming);
        } catch (IOException e) {
            throw new VerificationException(Reason.IO, "cannot create " + incoming + ": " + e.getMessage(), e);
        }
        sweepStale();
        this.accepted = AcceptedVersions.load(state);
        this.rootStore = new TrustRootFile(rootFile.toAbsolutePath().normalize(), accepted);
        try {
            this.root = rootStore.load(clock.instant());
        } catch (VerificationException e) {
            if (enforce) {
                throw e;
            }
            LOG.warn("DEVELOPMENT MODE (enforce=false): no usable trust root ({}: {}); every artifact will be "
                    + "passed through unverified", e.reason(), e.getMessage());
        }
        if (root != null && !clock.instant().isBefore(root.expires())) {
            LOG.warn("Trust root {} expired at {}: nothing verifies until a new root is rotated in", root.version(),
                    root.expires());
        }
        if (enforce) {
            LOG.info("Trust: root {} (threshold {}, {} key(s), {} anchor(s)), gateway '{}', hardware '{}', state {}",
                    root.version(), root.threshold(), root.keys.size(), root.anchors.size(), gatewayId, hardware,
                    state);
        } else {
            LOG.warn("DEVELOPMENT MODE (enforce=false): artifacts that fail verification WILL BE INSTALLED; "
                    + "gateway '{}', hardware '{}', root {}", gatewayId, hardware, rootVersion());
        }
    }

    @Override
    public VerifiedArtifact verify(ArtifactType type, String name, InputStream manifest, InputStream content)
            throws VerificationException {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(content, "content");
        Instant now = clock.instant();
        byte[] manifestBytes = null;
        Checked checked = null;
        VerificationException refusal = null;
        try {
            manifestBytes = Envelope.readBounded(manifest, Envelope.MAX_SIZE, "manifest");
            checked = check(type, name, manifestBytes, now);
        } catch (VerificationException e) {
            if (enforce || e.reason() == Reason.IO) {
                LOG.debug("Refused {} '{}': {}: {}", type.manifestName(), name, e.reason(), e.getMessage());
                throw e;
            }
            refusal = e;
        }
        String prefix = type.manifestName() + "-" + name.replaceAll("[^A-Za-z0-9._-]", "_")
                .substring(0, Math.min(name.length(), 64)) + "-";
        PrivateCopy copy = PrivateCopy.write(content, incoming, prefix,
                enforce ? checked.manifest().length() : -1);
        if (checked != null) {
            try {
                copy.requireMatch(checked.manifest().length(), checked.manifest().sha256());
            } catch (VerificationException e) {
                if (enforce) {
                    copy.delete();
                    LOG.debug("Refused {} '{}': {}: {}", type.manifestName(), name, e.reason(), e.getMessage());
                    throw e;
                }
                refusal = e;
            }
        }
        if (refusal != null) {
            return passThrough(type, name, manifestBytes, copy, refusal);
        }
        Manifest m = checked.manifest();
        VerifiedArtifact artifact = new VerifiedArtifact(type, name, m.version(), m.sha256(), m.length(),
                m.expires(), checked.signers(), checked.rollbackUsed(), copy.file());
        pending.put(copy.file(), new Pending(artifact, true, m.rollback() ? checked.payloadSha256() : null));
        if (enforce) {
            LOG.debug("Verified {} '{}' version {} ({} bytes) signed by {}", type.manifestName(), name, m.version(),
                    m.length(), checked.signers());
        } else {
            LOG.warn("DEVELOPMENT MODE: {} '{}' version {} verified, but verification is not enforced",
                    type.manifestName(), name, m.version());
        }
        return artifact;
    }

    @Override
    public CheckedManifest check(ArtifactType type, String name, InputStream manifest) throws VerificationException {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(manifest, "manifest");
        byte[] bytes = Envelope.readBounded(manifest, Envelope.MAX_SIZE, "manifest");
        try {
            Checked c = check(type, name, bytes, clock.instant());
            Manifest m = c.manifest();
            return new CheckedManifest(type, name, m.version(), m.sha256(), m.length(), m.expires(), c.signers());
        } catch (VerificationException e) {
            if (enforce || e.reason() == Reason.IO) {
                throw e;
            }
            Manifest unverified;
            try {
                unverified = Manifest.parse(Envelope.parse(bytes).payload());
            } catch (VerificationException unreadable) {
                throw e;
            }
            LOG.warn("DEVELOPMENT MODE: the manifest of {} '{}' would have been refused ({}: {}); passing it through",
                    type.manifestName(), name, e.reason(), e.getMessage());
            return new CheckedManifest(type, name, unverified.version(), unverified.sha256(), unverified.length(),
                    unverified.expires(), List.of());
        }
    }

    /** Every check that needs no content, in the order of docs/signing.md. */
    private Checked check(ArtifactType type, String name, byte[] manifestBytes, Instant now)
            throws VerificationException {
        TrustRoot r = root;
        if (r == null) {
            throw new VerificationException(Reason.UNTRUSTED_KEY, "no trust root is loaded from " + rootStore.path());
        }
        Envelope envelope = Envelope.parse(manifestBytes);
        if (!Envelope.MANIFEST_TYPE.equals(envelope.payloadType())) {
            throw new VerificationException(Reason.MALFORMED, "not a manifest: payloadType is '"
                    + envelope.payloadType() + "', expected " + Envelope.MANIFEST_TYPE);
        }
        List<String> signers = ThresholdCheck.check(envelope, r, true, now);
        if (!now.isBefore(r.expires())) {
            throw new VerificationException(Reason.EXPIRED, "trust root " + r.version() + " expired at " + r.expires()
                    + "; a new root must be rotated in before anything can be installed");
        }
        byte[] payload = envelope.payload();
        Manifest m = Manifest.parse(payload);
        if (m.type() != type || !m.name().equals(name)) {
            throw new VerificationException(Reason.WRONG_ARTIFACT, "the manifest is for " + m.type().manifestName()
                    + " '" + m.name() + "', not for " + type.manifestName() + " '" + name + "'");
        }
        if (!m.targets().allowsGateway(gatewayId)) {
            throw new VerificationException(Reason.WRONG_TARGET, "the manifest targets gateways "
                    + m.targets().gateways() + ", not this gateway '" + gatewayId + "'");
        }
        if (!m.targets().allowsHardware(hardware)) {
            throw new VerificationException(Reason.WRONG_TARGET, "the manifest targets hardware "
                    + m.targets().hardware() + ", not this gateway's '" + hardware + "'");
        }
        if (!now.isBefore(m.expires())) {
            throw new VerificationException(Reason.EXPIRED, "the manifest expired at " + m.expires());
        }
        String digest = KeyIds.sha256Hex(payload);
        long highest = accepted.highest(AcceptedVersions.key(type.manifestName(), name));
        if (m.version() <= highest) {
            if (!m.rollback()) {
                throw new VerificationException(Reason.REPLAYED, "version " + m.version() + " of "
                        + type.manifestName() + " '" + name + "' is not newer than version " + highest
                        + ", accepted before; only a signed rollback directive can bring it back");
            }
            if (accepted.rollbackUsed(digest)) {
                throw new VerificationException(Reason.REPLAYED, "this rollback directive to version "
                        + m.version() + " of " + type.manifestName() + " '" + name + "' was used before");
            }
        }
        return new Checked(m, signers, digest, m.rollback() && m.version() <= highest);
    }

    private VerifiedArtifact passThrough(ArtifactType type, String name, byte[] manifestBytes, PrivateCopy copy,
            VerificationException refusal) {
        long version = 0;
        Instant expires = Instant.EPOCH;
        if (manifestBytes != null) {
            try {
                Manifest unverified = Manifest.parse(Envelope.parse(manifestBytes).payload());
                version = unverified.version();
                expires = unverified.expires();
            } catch (VerificationException e) {
                // nothing readable: version 0, expired
            }
        }
        LOG.warn("DEVELOPMENT MODE: {} '{}' would have been refused ({}: {}); passing it through UNVERIFIED",
                type.manifestName(), name, refusal.reason(), refusal.getMessage());
        VerifiedArtifact artifact = new VerifiedArtifact(type, name, version, copy.sha256(), copy.length(), expires,
                List.of(), false, copy.file());
        pending.put(copy.file(), new Pending(artifact, false, null));
        return artifact;
    }

    @Override
    public void accept(VerifiedArtifact artifact) throws VerificationException {
        Objects.requireNonNull(artifact, "artifact");
        Pending p = pending.remove(artifact.file());
        if (p == null || !p.artifact().equals(artifact)) {
            throw new IllegalArgumentException(artifact.type().manifestName() + " '" + artifact.name() + "' version "
                    + artifact.version() + " was not returned by this verifier's verify(), or was accepted already");
        }
        String what = artifact.type().manifestName() + " '" + artifact.name() + "' version " + artifact.version();
        if (!p.verified()) {
            LOG.warn("DEVELOPMENT MODE: {} did not verify; it is not recorded as accepted", what);
            return;
        }
        String key = AcceptedVersions.key(artifact.type().manifestName(), artifact.name());
        synchronized (accepted) {
            long highest = accepted.highest(key);
            if (artifact.version() <= highest && p.rollbackDigest() == null) {
                throw new VerificationException(Reason.REPLAYED, what + " is not newer than version " + highest
                        + ", accepted meanwhile");
            }
            if (p.rollbackDigest() != null && accepted.rollbackUsed(p.rollbackDigest())) {
                throw new VerificationException(Reason.REPLAYED, "the rollback directive to " + what
                        + " was used meanwhile");
            }
            accepted.record(key, artifact.version(), p.rollbackDigest(), artifact.expires(), clock.instant());
        }
        LOG.info("Accepted {}{}", what, artifact.rollback() ? " (signed rollback)" : "");
    }

    @Override
    public long rotateRoot(InputStream newRoot) throws VerificationException {
        Objects.requireNonNull(newRoot, "newRoot");
        TrustRoot next = TrustRoot.parse(Envelope.readBounded(newRoot, Envelope.MAX_SIZE, "trust root"));
        Instant now = clock.instant();
        synchronized (rotation) {
            TrustRoot current = root;
            if (current == null) {
                throw new VerificationException(Reason.BAD_ROOT_ROTATION, "no trust root is loaded to rotate from; "
                        + "install root version 1 as " + rootStore.path() + " by hand");
            }
            rootStore.rotate(current, next, now);
            root = next;
        }
        LOG.info("Trust root rotated to version {}: threshold {}, {} key(s), {} anchor(s), expires {}",
                next.version(), next.threshold(), next.keys.size(), next.anchors.size(), next.expires());
        return next.version();
    }

    @Override
    public long rootVersion() {
        TrustRoot r = root;
        return r == null ? 0 : r.version();
    }

    @Override
    public boolean enforcing() {
        return enforce;
    }

    /** Private copies left by a crash; a copy verify() just returned is never this old. */
    private void sweepStale() {
        Instant cutoff = clock.instant().minus(STALE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(incoming, "*.part")) {
            for (Path f : files) {
                if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot sweep {}: {}", incoming, e.toString());
        }
    }

    static Path resolve(String home, String path) {
        Path p = Paths.get(path);
        return p.isAbsolute() ? p : Paths.get(home != null ? home : System.getProperty("user.dir")).resolve(p);
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env != null && !env.isBlank() ? env : "localhost";
        }
    }

    /** {@code <os>-<arch>}: linux-x86_64, linux-aarch64, macos-aarch64, windows-x86_64. */
    static String hardwareClass(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        os = os.startsWith("windows") ? "windows" : os.startsWith("mac") ? "macos" : os.replaceAll("[^a-z0-9]", "");
        String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> osArch.toLowerCase(Locale.ROOT);
        };
        return os + "-" + arch;
    }
}
