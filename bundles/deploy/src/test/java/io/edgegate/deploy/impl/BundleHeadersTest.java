package io.edgegate.deploy.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.deploy.DeployException;
import io.edgegate.deploy.DeployException.Reason;

class BundleHeadersTest {
    @TempDir
    Path dir;

    private Path jar(String... headers) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        for (int i = 0; i < headers.length; i += 2) {
            m.getMainAttributes().putValue(headers[i], headers[i + 1]);
        }
        Path file = Files.createTempFile(dir, "b", ".jar");
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, m)) {
            jar.putNextEntry(new ZipEntry("hello.txt"));
            jar.write("hello".getBytes());
            jar.closeEntry();
        }
        return file;
    }

    @Test
    void readsTheNameWithoutDirectivesTheVersionAndWhetherItIsAFragment() throws Exception {
        BundleHeaders h = BundleHeaders.read(jar("Bundle-ManifestVersion", "2",
                "Bundle-SymbolicName", " com.example.hello ; singleton:=true", "Bundle-Version", "1.2.3"));
        assertEquals(new BundleHeaders("com.example.hello", "1.2.3", false), h);
        BundleHeaders fragment = BundleHeaders.read(jar("Bundle-SymbolicName", "f", "Fragment-Host", "host"));
        assertEquals("0.0.0", fragment.version());
        assertTrue(fragment.fragment());
    }

    @Test
    void aJarWithoutSymbolicNameIsNotABundle() throws Exception {
        DeployException e = assertThrows(DeployException.class,
                () -> BundleHeaders.read(jar("Bundle-Version", "1.0.0")));
        assertEquals(Reason.INVALID_BUNDLE, e.reason());
        assertTrue(e.getMessage().contains("Bundle-SymbolicName"), e.getMessage());
    }

    @Test
    void aJarWithoutManifestOrNotAJarAtAllIsRefusedWithAReason() throws Exception {
        Path plainZip = dir.resolve("plain.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(plainZip))) {
            zip.putNextEntry(new ZipEntry("a.txt"));
            zip.closeEntry();
        }
        DeployException noManifest = assertThrows(DeployException.class, () -> BundleHeaders.read(plainZip));
        assertEquals(Reason.INVALID_BUNDLE, noManifest.reason());
        assertTrue(noManifest.getMessage().contains("MANIFEST.MF"), noManifest.getMessage());

        Path text = Files.writeString(dir.resolve("text.jar"), "not a zip");
        DeployException notAJar = assertThrows(DeployException.class, () -> BundleHeaders.read(text));
        assertEquals(Reason.INVALID_BUNDLE, notAJar.reason());
        assertTrue(notAJar.getMessage().startsWith("not a jar"), notAJar.getMessage());
    }

    @Test
    void symbolicNameTakesTheNameBeforeTheDirectives() {
        assertEquals("a.b", BundleHeaders.symbolicName("a.b"));
        assertEquals("a.b", BundleHeaders.symbolicName("a.b;singleton:=true;fragment-attachment:=never"));
        assertNull(BundleHeaders.symbolicName(null));
        assertNull(BundleHeaders.symbolicName("  "));
        assertNull(BundleHeaders.symbolicName(";singleton:=true"));
        assertNull(BundleHeaders.symbolicName("a.b,c.d"), "one bundle has one name");
    }

    @Test
    void validNamesAreThoseThatCanBeSignedAndStoredAsAFolder() {
        assertTrue(BundleHeaders.validName("com.example.hello"));
        assertTrue(BundleHeaders.validName("a-b_c.9"));
        assertFalse(BundleHeaders.validName(".hidden"));
        assertFalse(BundleHeaders.validName(".."));
        assertFalse(BundleHeaders.validName("a/b"));
        assertFalse(BundleHeaders.validName("a\\b"));
        assertFalse(BundleHeaders.validName(""));
        assertFalse(BundleHeaders.validName(null));
        assertFalse(BundleHeaders.validName("x".repeat(201)));
        assertTrue(BundleHeaders.validName("x".repeat(200)));
    }
}
