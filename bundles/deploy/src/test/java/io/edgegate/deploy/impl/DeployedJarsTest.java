package io.edgegate.deploy.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployedJarsTest {
    @TempDir
    Path dir;

    private Path privateCopy(String content) throws IOException {
        Path incoming = Files.createDirectories(dir.resolve("incoming"));
        return Files.writeString(Files.createTempFile(incoming, "bundle-", ".part"), content);
    }

    @Test
    void theVerifiedCopyIsMovedNotCopiedUnderNameAndDigest() throws Exception {
        DeployedJars jars = new DeployedJars(dir.resolve("deploy"));
        Path copy = privateCopy("v1");
        DeployedJars.Kept kept = jars.keep("com.example.hello", "ab12", copy);
        assertEquals(dir.resolve("deploy/com.example.hello/ab12.jar"), kept.file());
        assertFalse(kept.replaced());
        assertFalse(Files.exists(copy), "the private copy is moved, so no second copy lies around");
        assertArrayEquals("v1".getBytes(), Files.readAllBytes(kept.file()));

        DeployedJars.Kept again = jars.keep("com.example.hello", "ab12", privateCopy("v1"));
        assertTrue(again.replaced(), "the same bytes deployed again: that file must survive a failed attempt");
    }

    @Test
    void theFolderOfABundleIsOwnerOnly() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path folder = new DeployedJars(dir.resolve("deploy")).folder("com.example.hello");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));
    }

    @Test
    void onlyTheInstalledJarIsKeptAfterADeployment() throws Exception {
        DeployedJars jars = new DeployedJars(dir.resolve("deploy"));
        Path old = jars.keep("b", "01", privateCopy("1")).file();
        Path current = jars.keep("b", "02", privateCopy("2")).file();
        Path other = jars.keep("c", "03", privateCopy("3")).file();
        Files.writeString(jars.previous("b"), "snapshot");
        jars.retainOnly("b", current);
        try (Stream<Path> files = Files.list(current.getParent())) {
            assertEquals(List.of(current), files.toList());
        }
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(other), "other bundles' jars are untouched");
    }

    @Test
    void aNameThatIsNotAPlainFolderNameIsRefused() {
        DeployedJars jars = new DeployedJars(dir.resolve("deploy"));
        assertThrows(IOException.class, () -> jars.folder("../escape"));
        assertThrows(IOException.class, () -> jars.folder("a/b"));
    }
}
