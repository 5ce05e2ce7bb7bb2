package io.edgegate.deploy.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/** Minimal bundle jars, written in memory: a manifest and a few text resources. */
final class TestBundles {
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, String> resources = new LinkedHashMap<>();

    private TestBundles(String symbolicName, String version) {
        headers.put("Bundle-ManifestVersion", "2");
        headers.put("Bundle-SymbolicName", symbolicName);
        headers.put("Bundle-Version", version);
    }

    static TestBundles bundle(String symbolicName, String version) {
        return new TestBundles(symbolicName, version);
    }

    TestBundles header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    TestBundles resource(String path, String content) {
        resources.put(path, content);
        return this;
    }

    byte[] jar() {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach(m.getMainAttributes()::putValue);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, m)) {
            for (Map.Entry<String, String> r : resources.entrySet()) {
                jar.putNextEntry(new ZipEntry(r.getKey()));
                jar.write(r.getValue().getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@code jar} with one more entry, as if someone added it after the jar was signed. */
    static byte[] withEntryAdded(byte[] jar, String path, String content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var in = new java.util.jar.JarInputStream(new java.io.ByteArrayInputStream(jar));
                JarOutputStream out = new JarOutputStream(bytes, in.getManifest())) {
            for (var e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                out.putNextEntry(new ZipEntry(e.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry(path));
            out.write(content.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
