package io.edgegate.trust.impl;

import static io.edgegate.trust.testing.Fixture.bytes;
import static io.edgegate.trust.testing.Fixture.flip;
import static io.edgegate.trust.testing.Fixture.in;
import static io.edgegate.trust.testing.Fixture.model;
import static io.edgegate.trust.testing.Fixture.refused;
import static io.edgegate.trust.testing.Fixture.sign;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException.Reason;
import io.edgegate.trust.VerifiedArtifact;
import io.edgegate.trust.format.Manifest;
import io.edgegate.trust.format.Targets;
import io.edgegate.trust.testing.Fixture;

/** Whether the bytes are the signed ones, and whether this gateway is meant to have them now. */
class VerifyContentTest {
    private static final byte[] A = bytes(5_000, 1);
    private static final byte[] B = bytes(5_000, 2);

    @TempDir
    Path home;
    Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new Fixture(home).withRoot(1);
    }

    @Test
    void oneContentByteFlippedIsRefused() throws Exception {
        var e = refused(Reason.CONTENT_MISMATCH, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, A), f.k1)), in(flip(A, 4321))));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
        assertTrue(f.incomingFiles().isEmpty(), "the refused copy is deleted");
    }

    @Test
    void manifestOfArtifactAWithTheBytesOfArtifactBIsRefused() throws Exception {
        refused(Reason.CONTENT_MISMATCH, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, A), f.k1)), in(B)));
    }

    @Test
    void bundleJarWithAnEntryAddedAfterSigningIsRefused() throws Exception {
        byte[] jar = jar(List.of("io/edgegate/demo/Demo.class"));
        Manifest m = Fixture.manifest(ArtifactType.BUNDLE, "io.edgegate.demo", 1, jar, Fixture.IN_A_MONTH,
                Targets.ANY, false);
        byte[] envelope = sign(m, f.k1);
        VerifiedArtifact ok = f.verifier().verify(ArtifactType.BUNDLE, "io.edgegate.demo", in(envelope), in(jar));
        assertArrayEquals(jar, Files.readAllBytes(ok.file()));

        byte[] grown = addEntry(jar, "io/edgegate/demo/Backdoor.class");
        var e = refused(Reason.CONTENT_MISMATCH, () -> f.verifier().verify(ArtifactType.BUNDLE, "io.edgegate.demo",
                in(envelope), in(grown)));
        assertTrue(e.getMessage().contains("longer than the declared") || e.getMessage().contains("bytes"),
                e.getMessage());
    }

    @Test
    void contentLongerThanDeclaredIsCutOffAndNeverWrittenPastTheLimit() throws Exception {
        byte[] small = bytes(1000, 3);
        BouncyCastleArtifactVerifier v = f.verifier();
        Path incoming = f.state.resolve("incoming");
        EndlessStream endless = new EndlessStream(incoming, small.length + 1);
        var e = refused(Reason.CONTENT_MISMATCH, () -> v.verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, small), f.k1)), endless));
        assertTrue(e.getMessage().contains("longer than the declared 1000 bytes"), e.getMessage());
        assertTrue(endless.served <= small.length + 1, "read " + endless.served + " bytes, at most length+1");
        assertTrue(endless.largestSeen <= small.length + 1, "the private file grew to " + endless.largestSeen);
        assertTrue(f.incomingFiles().isEmpty(), "the cut-off copy is deleted");
    }

    @Test
    void contentShorterThanDeclaredIsRefused() throws Exception {
        var e = refused(Reason.CONTENT_MISMATCH, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(model("minilm", 1, A), f.k1)), in(java.util.Arrays.copyOf(A, A.length - 1))));
        assertTrue(e.getMessage().contains("4999 bytes"), e.getMessage());
    }

    @Test
    void expiredManifestIsRefused() throws Exception {
        Manifest m = Fixture.manifest(ArtifactType.MODEL, "minilm", 1, A, Instant.now().minusSeconds(1),
                Targets.ANY, false);
        var e = refused(Reason.EXPIRED, () -> f.verifier().verify(ArtifactType.MODEL, "minilm", in(sign(m, f.k1)),
                in(A)));
        assertTrue(e.getMessage().startsWith("the manifest expired at"), e.getMessage());
    }

    @Test
    void manifestForAnotherGatewayIsRefused() throws Exception {
        Manifest m = Fixture.manifest(ArtifactType.MODEL, "minilm", 1, A, Fixture.IN_A_MONTH,
                new Targets(List.of("gw-0001", "gw-0002"), List.of()), false);
        var e = refused(Reason.WRONG_TARGET, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(m, f.k1)), in(A)));
        assertTrue(e.getMessage().contains(Fixture.GATEWAY), e.getMessage());
    }

    @Test
    void manifestForOtherHardwareIsRefused() throws Exception {
        Manifest m = Fixture.manifest(ArtifactType.MODEL, "minilm", 1, A, Fixture.IN_A_MONTH,
                new Targets(List.of(Fixture.GATEWAY), List.of("linux-aarch64")), false);
        var e = refused(Reason.WRONG_TARGET, () -> f.verifier().verify(ArtifactType.MODEL, "minilm",
                in(sign(m, f.k1)), in(A)));
        assertTrue(e.getMessage().contains("linux-aarch64"), e.getMessage());
    }

    @Test
    void manifestNamingThisGatewayAndHardwareIsVerified() throws Exception {
        Manifest m = Fixture.manifest(ArtifactType.MODEL, "minilm", 1, A, Fixture.IN_A_MONTH,
                new Targets(List.of("gw-0001", Fixture.GATEWAY), List.of("linux-aarch64", Fixture.HARDWARE)), false);
        assertEquals(1, f.verifier().verify(ArtifactType.MODEL, "minilm", in(sign(m, f.k1)), in(A)).version());
    }

    @Test
    void emptyArtifactOfDeclaredLengthZeroIsVerified() throws Exception {
        VerifiedArtifact a = f.verifier().verify(ArtifactType.MODEL, "empty",
                in(sign(model("empty", 1, new byte[0]), f.k1)), in(new byte[0]));
        assertEquals(0, Files.size(a.file()));
    }

    static byte[] jar(List<String> entries) throws IOException {
        java.util.jar.Manifest mf = new java.util.jar.Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Bundle-SymbolicName", "io.edgegate.demo");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, mf)) {
            for (String name : entries) {
                jar.putNextEntry(new JarEntry(name));
                jar.write(bytes(300, name.length()));
                jar.closeEntry();
            }
        }
        return out.toByteArray();
    }

    static byte[] addEntry(byte[] original, String extra) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(new java.io.ByteArrayInputStream(original));
                JarOutputStream jar = new JarOutputStream(out, in.getManifest())) {
            for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                jar.putNextEntry(new JarEntry(e.getName()));
                in.transferTo(jar);
                jar.closeEntry();
            }
            jar.putNextEntry(new JarEntry(extra));
            jar.write(new byte[] {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe});
            jar.closeEntry();
        }
        return out.toByteArray();
    }

    /** Never ends; records how much was read and the largest private file seen while reading. */
    static final class EndlessStream extends InputStream {
        final Path watched;
        final long stopAfter;
        long served;
        long largestSeen;

        EndlessStream(Path watched, long limit) {
            this.watched = watched;
            this.stopAfter = limit * 10;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try (var files = Files.list(watched)) {
                for (Path p : files.toList()) {
                    largestSeen = Math.max(largestSeen, Files.size(p));
                }
            }
            if (served > stopAfter) {
                throw new IOException("the verifier kept reading past length+1: " + served + " bytes");
            }
            int n = Math.min(len, 333);
            java.util.Arrays.fill(b, off, off + n, (byte) 'x');
            served += n;
            return n;
        }
    }
}
