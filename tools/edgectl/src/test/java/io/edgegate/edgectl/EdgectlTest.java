package io.edgegate.edgectl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.format.Ed25519Keys;
import io.edgegate.trust.format.Envelope;
import io.edgegate.trust.format.KeyIds;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;
import io.edgegate.trust.format.TrustRootPayload;
import picocli.CommandLine;

/** The CLI run in-process on real keys and files: exit codes and what the operator reads. */
class EdgectlTest {
    @TempDir
    Path dir;
    Path model;

    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static Result run(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Edgectl.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] strings = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            strings[i] = args[i].toString();
        }
        int code = cl.execute(strings);
        return new Result(code, out.toString(), err.toString());
    }

    static Result ok(Object... args) {
        Result r = run(args);
        assertEquals(0, r.code(), () -> "expected success: " + r.all());
        return r;
    }

    @BeforeEach
    void model() throws Exception {
        model = dir.resolve("model.onnx");
        byte[] bytes = new byte[100_000];
        new java.util.Random(7).nextBytes(bytes);
        Files.write(model, bytes);
    }

    private Path key(String name) {
        ok("keys", "generate", "--out", dir.resolve("keys"), "--name", name);
        return dir.resolve("keys").resolve(name + ".key");
    }

    private Path root(Path... keys) {
        Path out = dir.resolve("trust-root.json");
        java.util.List<Object> args = new java.util.ArrayList<>(java.util.List.of("root", "init", "--threshold", "1",
                "--out", out));
        for (Path k : keys) {
            args.add("--key");
            args.add(k);
        }
        ok(args.toArray());
        return out;
    }

    private Path sign(Path key) {
        ok("sign", model, "--type", "model", "--name", "minilm", "--version", "3", "--expires", "90d", "--key", key);
        return dir.resolve("model.onnx.manifest.json");
    }

    @Test
    void generatedKeysAreOwnerOnlyPemAndPrintTheirKeyId() throws Exception {
        Result r = ok("keys", "generate", "--out", dir.resolve("keys"), "--name", "ops");
        Path key = dir.resolve("keys/ops.key");
        byte[] pk = Ed25519Keys.publicKeyFromPem(Files.readString(dir.resolve("keys/ops.pub")));
        assertArrayEquals(pk, Ed25519Keys.publicKey(Ed25519Keys.privateKeyFromPem(Files.readString(key))));
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertTrue(r.out().contains(KeyIds.ofEd25519(pk)), r.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("keys/ops.pub"))));
    }

    @Test
    void keysAreNotOverwrittenWithoutForce() throws Exception {
        Path key = key("ops");
        String before = Files.readString(key);
        Result r = run("keys", "generate", "--out", dir.resolve("keys"), "--name", "ops");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("already exists"), r.err());
        assertEquals(before, Files.readString(key));
        ok("keys", "generate", "--out", dir.resolve("keys"), "--name", "ops", "--force");
        assertFalse(before.equals(Files.readString(key)));
    }

    @Test
    void signedModelVerifies() throws Exception {
        Path key = key("ops");
        Path root = root(key);
        ok("sign", model, "--type", "model", "--name", "minilm", "--version", "3", "--expires", "90d", "--key", key,
                "--gateway", "gw-0042", "--hardware", "linux-x86_64");
        Path manifest = dir.resolve("model.onnx.manifest.json");
        Manifest m = Manifest.parse(Envelope.parse(Files.readAllBytes(manifest)).payload());
        assertEquals(Files.size(model), m.length());
        assertEquals(KeyIds.sha256Hex(Files.readAllBytes(model)), m.sha256());
        assertEquals(new Targets(java.util.List.of("gw-0042"), java.util.List.of("linux-x86_64")), m.targets());

        Result r = ok("verify", model, "--manifest", manifest, "--root", root, "--gateway", "gw-0042",
                "--hardware", "linux-x86_64");
        String keyid = KeyIds.ofEd25519(Ed25519Keys.publicKey(Ed25519Keys.privateKeyFromPem(Files.readString(key))));
        assertTrue(r.out().startsWith("OK model minilm version 3"), r.out());
        assertTrue(r.out().contains("signed by " + keyid), r.out());

        Result other = run("verify", model, "--manifest", manifest, "--root", root, "--gateway", "gw-0001");
        assertEquals(1, other.code());
        assertTrue(other.out().contains("REFUSED WRONG_TARGET"), other.all());
    }

    @Test
    void flippedByteIsRefused() throws Exception {
        Path key = key("ops");
        Path root = root(key);
        Path manifest = sign(key);
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 1;
        Files.write(model, bytes);
        Result r = run("verify", model, "--manifest", manifest, "--root", root);
        assertEquals(1, r.code());
        assertTrue(r.out().contains("REFUSED CONTENT_MISMATCH"), r.all());
        assertFalse(r.all().contains("at io.edgegate"), r.all());
    }

    @Test
    void keyNotInTheRootIsRefused() {
        Path trusted = key("trusted");
        Path stranger = key("stranger");
        Path root = root(trusted);
        Path manifest = sign(stranger);
        Result r = run("verify", model, "--manifest", manifest, "--root", root);
        assertEquals(1, r.code());
        assertTrue(r.out().contains("REFUSED UNTRUSTED_KEY"), r.all());
    }

    @Test
    void expiredManifestIsRefused() throws Exception {
        Path key = key("ops");
        Path root = root(key);
        // sign refuses a past expiry, so the expired manifest is written with the format classes.
        byte[] sk = Ed25519Keys.privateKeyFromPem(Files.readString(key));
        Manifest m = new Manifest(ArtifactType.MODEL, "minilm", 3, KeyIds.sha256Hex(Files.readAllBytes(model)),
                Files.size(model), Instant.now().minus(1, ChronoUnit.DAYS), Targets.ANY, false);
        Path manifest = dir.resolve("expired.json");
        Files.write(manifest, m.toEnvelope().signedEd25519(sk).toJson());
        Result r = run("verify", model, "--manifest", manifest, "--root", root);
        assertEquals(1, r.code());
        assertTrue(r.out().contains("REFUSED EXPIRED"), r.all());

        Result past = run("sign", model, "--type", "model", "--name", "minilm", "--version", "3", "--expires",
                "2020-01-01T00:00:00Z", "--key", key);
        assertEquals(2, past.code());
        assertTrue(past.err().contains("not in the future"), past.err());
    }

    @Test
    void wrongNameOrTypeIsRefusedWhenGiven() {
        Path key = key("ops");
        Path root = root(key);
        Path manifest = sign(key);
        Result r = run("verify", model, "--manifest", manifest, "--root", root, "--type", "bundle");
        assertEquals(1, r.code());
        assertTrue(r.out().contains("REFUSED WRONG_ARTIFACT"), r.all());
    }

    @Test
    void rotatedRootVerifiesWhatTheNewKeySigned() throws Exception {
        Path k1 = key("k1");
        Path k2 = key("k2");
        Path root1 = root(k1);
        Path root2 = dir.resolve("trust-root-2.json");
        Result r = ok("root", "rotate", "--root", root1, "--old-key", k1, "--key", k2, "--threshold", "1",
                "--out", root2);
        assertTrue(r.out().contains("trust root version 2"), r.out());
        TrustRootPayload p = TrustRootPayload.parse(Envelope.parse(Files.readAllBytes(root2)).payload());
        assertEquals(2, p.version());
        String k2id = KeyIds.ofEd25519(Ed25519Keys.publicKey(Ed25519Keys.privateKeyFromPem(Files.readString(k2))));
        assertEquals(java.util.List.of(k2id), p.keys().stream().map(k -> k.keyid()).toList(),
                "the new root lists only the new keys");

        Path manifest = sign(k2);
        Result verified = ok("verify", model, "--manifest", manifest, "--root", root2);
        assertTrue(verified.out().contains("signed by " + k2id), verified.out());
        assertTrue(verified.out().contains("root version 2"), verified.out());
        Result old = run("verify", model, "--manifest", manifest, "--root", root1);
        assertEquals(1, old.code());
        assertTrue(old.out().contains("REFUSED UNTRUSTED_KEY"), old.all());
        Result oldKey = run("verify", model, "--manifest", sign(k1), "--root", root2);
        assertEquals(1, oldKey.code(), oldKey.all());
    }

    @Test
    void rotationNeedsTheOldRootsKeys() {
        Path k1 = key("k1");
        Path k2 = key("k2");
        Path root1 = root(k1);
        Path root2 = dir.resolve("trust-root-2.json");
        Result r = run("root", "rotate", "--root", root1, "--old-key", k2, "--key", k2, "--threshold", "1",
                "--out", root2);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is not a key of root 1"), r.err());
        assertFalse(Files.exists(root2));
    }

    @Test
    void rootThresholdNeedsEnoughSigningKeys() {
        Path k1 = key("k1");
        Result r = run("root", "init", "--key", k1, "--pub", dir.resolve("keys/k1.pub"), "--threshold", "2",
                "--out", dir.resolve("root.json"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--threshold must be between 1 and the number of keys in the root (1)"),
                r.err());
        Path k2 = key("k2");
        Result twoOfTwo = run("root", "init", "--key", k1, "--pub", dir.resolve("keys/k2.pub"), "--threshold", "2",
                "--out", dir.resolve("root.json"));
        assertEquals(2, twoOfTwo.code());
        assertTrue(twoOfTwo.err().contains("needs 2 of its own keys"), twoOfTwo.err());
        ok("root", "init", "--key", k1, "--key", k2, "--threshold", "2", "--out", dir.resolve("root.json"));
    }

    @Test
    void usageErrorsExitTwoWithAMessageAndNoStackTrace() {
        Path key = key("ops");
        Path root = root(key);
        Result missing = run("sign", dir.resolve("nope.onnx"), "--type", "model", "--name", "m", "--version", "1",
                "--expires", "90d", "--key", key);
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.onnx does not exist"), missing.err());

        Result version = run("sign", model, "--type", "model", "--name", "m", "--version", "three", "--expires",
                "90d", "--key", key);
        assertEquals(2, version.code());
        assertTrue(version.err().contains("three"), version.err());

        Result zero = run("sign", model, "--type", "model", "--name", "m", "--version", "0", "--expires", "90d",
                "--key", key);
        assertEquals(2, zero.code());
        assertTrue(zero.err().contains("--version must be a positive integer"), zero.err());

        Result type = run("sign", model, "--type", "firmware", "--name", "m", "--version", "1", "--expires", "90d",
                "--key", key);
        assertEquals(2, type.code());
        assertTrue(type.err().contains("unknown artifact type 'firmware'"), type.err());

        Result expires = run("sign", model, "--type", "model", "--name", "m", "--version", "1", "--expires",
                "soon", "--key", key);
        assertEquals(2, expires.code());
        assertTrue(expires.err().contains("'soon' is not an expiry"), expires.err());

        Result name = run("sign", model, "--type", "model", "--name", "../etc", "--version", "1", "--expires", "90d",
                "--key", key);
        assertEquals(2, name.code());
        assertTrue(name.err().contains("name must be"), name.err());

        Result notAKey = run("sign", model, "--type", "model", "--name", "m", "--version", "1", "--expires", "90d",
                "--key", dir.resolve("keys/ops.pub"));
        assertEquals(2, notAKey.code());
        assertTrue(notAKey.err().contains("does not hold an Ed25519 PRIVATE KEY"), notAKey.err());

        Result noManifest = run("verify", model, "--manifest", dir.resolve("none.json"), "--root", root);
        assertEquals(2, noManifest.code());
        assertTrue(noManifest.err().contains("none.json does not exist"), noManifest.err());

        Result none = run();
        assertEquals(2, none.code());
        for (Result r : new Result[] {missing, version, zero, type, expires, name, notAKey, noManifest, none}) {
            assertFalse(r.all().contains("\tat "), r.all());
        }
    }

    @Test
    void malformedManifestIsRefusedAsMalformed() throws Exception {
        Path key = key("ops");
        Path root = root(key);
        Path manifest = dir.resolve("bad.json");
        Files.writeString(manifest, "{\"payloadType\": 1}", StandardCharsets.UTF_8);
        Result r = run("verify", model, "--manifest", manifest, "--root", root);
        assertEquals(1, r.code());
        assertTrue(r.out().contains("REFUSED MALFORMED"), r.all());
    }
}
