package io.edgegate.deploy.impl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ProtectedBundlesTest {
    private final ProtectedBundles protectedBundles = new ProtectedBundles("org.apache.felix.framework",
            "io.edgegate.deploy", List.of(" com.example.pinned ", "", "  "));

    @Test
    void theFrameworkOnnxRuntimeTrustAndTheDeployerAreAlwaysProtected() {
        assertTrue(protectedBundles.why("system.bundle").contains("framework"));
        assertTrue(protectedBundles.why("org.apache.felix.framework").contains("framework"));
        assertTrue(protectedBundles.why("io.edgegate.onnxruntime").contains("native library"));
        assertTrue(protectedBundles.why("io.edgegate.trust").contains("verifier"));
        assertTrue(protectedBundles.why("io.edgegate.deploy").contains("deployer"));
    }

    @Test
    void configuredNamesAreProtectedTooAndBlanksAreIgnored() {
        assertNotNull(protectedBundles.why("com.example.pinned"));
        assertTrue(protectedBundles.why("com.example.pinned").contains("protectedBundles"));
        assertNull(protectedBundles.why(""));
        assertNull(protectedBundles.why("com.example.hello"));
        assertNull(protectedBundles.why("io.edgegate.inference"));
    }

    @Test
    void withoutConfigurationOnlyTheFixedOnesAreProtected() {
        ProtectedBundles plain = new ProtectedBundles("org.apache.felix.framework", "io.edgegate.deploy", List.of());
        assertNull(plain.why("com.example.pinned"));
        assertNotNull(plain.why("io.edgegate.onnxruntime"));
    }
}
