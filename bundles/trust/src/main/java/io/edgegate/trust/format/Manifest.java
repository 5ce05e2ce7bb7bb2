package io.edgegate.trust.format;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException;
import io.edgegate.trust.VerificationException.Reason;

/**
 * The signed statement about one artifact (payload type {@link Envelope#MANIFEST_TYPE}).
 *
 * @param type what it is
 * @param name model name, bundle symbolic name or {@code root}: letters, digits, {@code . _ -}, not starting
 *        with a dot, at most 200 characters
 * @param version positive, monotonic per type and name
 * @param sha256 lower-case hex digest of the artifact's bytes
 * @param length the artifact's length in bytes
 * @param expires after this instant the manifest is refused
 * @param targets where it may be installed
 * @param rollback whether this is a signed rollback directive
 */
public record Manifest(ArtifactType type, String name, long version, String sha256, long length, Instant expires,
        Targets targets, boolean rollback) {
    private static final String WHAT = "manifest";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}");

    /** @throws IllegalArgumentException for a value the format does not allow */
    public Manifest {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(targets, "targets");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be 1 to 200 letters, digits, '.', '_' or '-', not "
                    + "starting with '.'");
        }
        if (version <= 0) {
            throw new IllegalArgumentException("version must be a positive integer, not " + version);
        }
        if (!Json.isHex64(sha256)) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits");
        }
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, not " + length);
        }
    }

    /** Strict parse; anything the format does not allow is {@link Reason#MALFORMED} with a message. */
    public static Manifest parse(byte[] json) throws VerificationException {
        ObjectNode node = Json.readObject(json, WHAT);
        Json.fields(node, WHAT, Set.of("type", "name", "version", "sha256", "length", "expires"),
                Set.of("targets", "rollback"));
        ArtifactType type;
        try {
            type = ArtifactType.fromManifestName(Json.text(node, "type", WHAT));
        } catch (IllegalArgumentException e) {
            throw Json.malformed(WHAT + ": " + Json.printable(e.getMessage()));
        }
        String name = Json.text(node, "name", WHAT);
        if (!NAME.matcher(name).matches()) {
            throw Json.malformed(WHAT + ": 'name' must be 1 to 200 letters, digits, '.', '_' or '-', not starting "
                    + "with '.', not '" + Json.printable(name) + "'");
        }
        long version = Json.integer(node, "version", WHAT);
        if (version <= 0) {
            throw Json.malformed(WHAT + ": 'version' must be a positive integer, not " + version);
        }
        String sha256 = Json.hex64(node, "sha256", WHAT);
        long length = Json.integer(node, "length", WHAT);
        if (length < 0) {
            throw Json.malformed(WHAT + ": 'length' must not be negative, not " + length);
        }
        Instant expires = Json.instant(node, "expires", WHAT);
        Targets targets = Targets.ANY;
        if (node.has("targets")) {
            String what = WHAT + ": targets";
            ObjectNode t = Json.child(node, "targets", WHAT);
            Json.fields(t, what, Set.of(), Set.of("gateways", "hardware"));
            targets = new Targets(t.has("gateways") ? Json.strings(t, "gateways", what) : java.util.List.of(),
                    t.has("hardware") ? Json.strings(t, "hardware", what) : java.util.List.of());
        }
        boolean rollback = node.has("rollback") && Json.bool(node, "rollback", WHAT);
        return new Manifest(type, name, version, sha256, length, expires, targets, rollback);
    }

    /** The payload bytes to put in an envelope and sign. */
    public byte[] toJson() {
        ObjectNode node = Json.object();
        node.put("type", type.manifestName());
        node.put("name", name);
        node.put("version", version);
        node.put("sha256", sha256);
        node.put("length", length);
        node.put("expires", expires.toString());
        if (!targets.gateways().isEmpty() || !targets.hardware().isEmpty()) {
            ObjectNode t = node.putObject("targets");
            if (!targets.gateways().isEmpty()) {
                targets.gateways().forEach(t.putArray("gateways")::add);
            }
            if (!targets.hardware().isEmpty()) {
                targets.hardware().forEach(t.putArray("hardware")::add);
            }
        }
        if (rollback) {
            node.put("rollback", true);
        }
        return Json.write(node);
    }

    /** An unsigned envelope holding this manifest. */
    public Envelope toEnvelope() {
        return Envelope.unsigned(Envelope.MANIFEST_TYPE, toJson());
    }
}
