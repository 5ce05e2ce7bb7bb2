package io.edgegate.mqtt.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgegate.deploy.impl.VerifiedBundleDeployer;
import io.edgegate.mqtt.impl.TestClient.Answer;
import io.edgegate.testkit.TestTrust;
import io.edgegate.trust.ArtifactType;

/**
 * The bundle and configuration operations over MQTT: bundles in a real Felix through the real verify-then-install
 * deployer, configurations in an in-memory Configuration Admin.
 */
class FrameworkOpsTest {
    static final String HELLO = "com.example.hello";

    static Broker broker;
    @TempDir
    static Path brokerDir;

    @TempDir
    Path home;
    Framework framework;
    BundleContext context;
    MemoryConfigAdmin configs = new MemoryConfigAdmin();
    TestGateway gw;
    TestClient client;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = Broker.start(brokerDir, Broker.freePort());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @BeforeEach
    void start() throws Exception {
        framework = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(Map.of(
                Constants.FRAMEWORK_STORAGE, home.resolve("data/framework").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT,
                "edgegate.home", home.toString()));
        framework.start();
        context = framework.getBundleContext();
        Hashtable<String, Object> http = new Hashtable<>(Map.of("service.pid", "io.edgegate.http",
                "maxRequestBytes", "67108864", "felix.fileinstall.filename", "file:/x/io.edgegate.http.cfg"));
        configs.configurations.put("io.edgegate.http", http);
        gw = new TestGateway(home, Map.of("brokerUri", broker.uri(), "gatewayId", "gw-" + UUID.randomUUID(),
                "maxPayloadBytes", 2048), context, configs.admin());
        gw.mqtt.bindDeployer(new VerifiedBundleDeployer(context, TestGateway.annotation(
                VerifiedBundleDeployer.Config.class, Map.of("directory", "data/deploy/bundles",
                        "protectedBundles", new String[0], "refreshTimeoutSeconds", 30)), gw.verifier));
        gw.awaitConnected(30);
        client = new TestClient(broker.uri());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        gw.close();
        framework.stop();
        framework.waitForStop(10_000);
    }

    private Answer op(String operation, String body) throws Exception {
        return client.request(gw.topic(operation), body);
    }

    private Answer deployBundle(String op, String name, long version, byte[] jar) throws Exception {
        Answer begin = op(op, Deploys.begin(name, version, gw.trust.manifest(ArtifactType.BUNDLE, name, version,
                jar)));
        if (begin.status() != 200) {
            return begin;
        }
        return Deploys.upload(client, gw.topic(op), begin.result().path("upload").asText(), jar, 0, 200);
    }

    private Bundle installed(String name) {
        return Stream.of(context.getBundles()).filter(b -> name.equals(b.getSymbolicName())).findFirst()
                .orElse(null);
    }

    @Test
    void bundlesAreInstalledUpdatedListedAndUninstalled() throws Exception {
        byte[] v1 = TestBundles.bundle(HELLO, "1.0.0", "hello " + "x".repeat(600));
        Answer installedV1 = deployBundle(BundleOps.INSTALL, HELLO, 1, v1);
        assertEquals(200, installedV1.status(), installedV1.toString());
        assertEquals("ACTIVE", installedV1.result().path("state").asText());
        assertEquals(Bundle.ACTIVE, installed(HELLO).getState());

        JsonNode list = op("bundles/list", "").result().path("bundles");
        JsonNode hello = StreamSupport.stream(list.spliterator(), false)
                .filter(b -> b.path("symbolicName").asText().equals(HELLO)).findFirst().orElseThrow();
        assertTrue(hello.path("deployed").asBoolean(), list.toString());
        assertFalse(list.get(0).path("deployed").asBoolean(), "the framework came with the distribution");

        assertEquals(409, op(BundleOps.INSTALL, Deploys.begin(HELLO, 2, gw.trust.manifest(ArtifactType.BUNDLE,
                HELLO, 2, v1))).status());
        byte[] v2 = TestBundles.bundle(HELLO, "2.0.0", "hello again");
        Answer updated = deployBundle(BundleOps.UPDATE, HELLO, 2, v2);
        assertEquals(200, updated.status(), updated.toString());
        assertEquals("2.0.0", installed(HELLO).getVersion().toString());

        Answer gone = op("bundles/uninstall", "{\"name\": \"" + HELLO + "\"}");
        assertEquals(200, gone.status(), gone.toString());
        assertNull(installed(HELLO));
        assertEquals(404, op("bundles/uninstall", "{\"name\": \"" + HELLO + "\"}").status());
    }

    @Test
    void protectedUnknownAndUnsignedBundlesAreRefused() throws Exception {
        byte[] jar = TestBundles.bundle(HELLO, "1.0.0", "hi");
        Answer trust = deployBundle(BundleOps.UPDATE, "io.edgegate.trust", 1, jar);
        assertEquals(403, trust.status(), trust.toString());
        assertTrue(trust.error().contains("protected"), trust.toString());
        Answer framework = op("bundles/uninstall", "{\"name\": \"" + context.getBundle(0).getSymbolicName() + "\"}");
        assertEquals(403, framework.status(), framework.toString());
        assertEquals(404, deployBundle(BundleOps.UPDATE, "com.example.none", 1, jar).status());

        TestTrust stranger = TestTrust.create(home.resolve("elsewhere"));
        Answer unsigned = op(BundleOps.INSTALL, Deploys.begin(HELLO, 1, stranger.manifest(ArtifactType.BUNDLE,
                HELLO, 1, jar)));
        assertEquals(403, unsigned.status(), unsigned.toString());
        assertTrue(unsigned.error().contains("UNTRUSTED_KEY"), unsigned.toString());

        // signed for another name than the jar's Bundle-SymbolicName: refused by the deployer, nothing installed
        byte[] other = TestBundles.bundle("com.example.other", "1.0.0", "hi");
        Answer wrong = deployBundle(BundleOps.INSTALL, HELLO, 1, other);
        assertEquals(403, wrong.status(), wrong.toString());
        assertTrue(wrong.error().contains("WRONG_BUNDLE"), wrong.toString());
        assertNull(installed("com.example.other"));
        assertNull(installed(HELLO));
    }

    @Test
    void configurationsAreReadAndChangedExceptTheProtectedOnes() throws Exception {
        Answer list = op("config/get", "");
        assertEquals(200, list.status(), list.toString());
        assertEquals("io.edgegate.http", list.result().path("configurations").get(0).path("pid").asText());

        Answer set = op("config/set", "{\"pid\": \"io.edgegate.http\", \"properties\": {\"maxRequestBytes\": 1048576}}");
        assertEquals(200, set.status(), set.toString());
        assertEquals(1048576L, configs.configurations.get("io.edgegate.http").get("maxRequestBytes"));
        assertEquals("file:/x/io.edgegate.http.cfg",
                configs.configurations.get("io.edgegate.http").get("felix.fileinstall.filename"));
        assertEquals(1048576, op("config/get", "{\"pid\": \"io.edgegate.http\"}").result().path("properties")
                .path("maxRequestBytes").asLong());

        Answer secret = op("config/set", "{\"pid\": \"com.example.x\", \"properties\": {\"password\": \"s3cret\","
                + " \"user\": \"u\", \"hosts\": [\"a\", \"b\"]}}");
        assertEquals(200, secret.status(), secret.toString());
        assertEquals(ConfigOps.MASK, secret.result().path("properties").path("password").asText());
        assertEquals("[\"a\",\"b\"]", secret.result().path("properties").path("hosts").toString());
        op("config/set", "{\"pid\": \"com.example.x\", \"properties\": {\"password\": \"" + ConfigOps.MASK
                + "\", \"user\": null}}");
        assertEquals("s3cret", configs.configurations.get("com.example.x").get("password"));
        assertNull(configs.configurations.get("com.example.x").get("user"));
        op("config/set", "{\"pid\": \"com.example.x\", \"properties\": {\"only\": true}, \"replace\": true}");
        assertEquals(Map.of("only", true, "service.pid", "com.example.x"), configs.configurations.get(
                "com.example.x"));

        for (String pid : new String[] {"io.edgegate.trust", "io.edgegate.mqtt", "io.edgegate.trust~x"}) {
            Answer refused = op("config/set", "{\"pid\": \"" + pid + "\", \"properties\": {\"enforce\": false}}");
            assertEquals(403, refused.status(), refused.toString());
        }
        assertFalse(configs.configurations.containsKey("io.edgegate.trust"));
        assertEquals(400, op("config/get", "{\"pid\": \"(objectClass=*)\"}").status());
        assertEquals(404, op("config/get", "{\"pid\": \"com.example.none\"}").status());
        assertEquals(400, op("config/set", "{\"pid\": \"a\", \"properties\": {\"x\": {}}}").status());
        assertEquals(400, op("config/set", "{\"pid\": \"a\", \"properties\": {\"x\": [1, \"2\"]}}").status());
        assertEquals(400, op("config/set", "{\"pid\": \"a\", \"properties\": {\"service.pid\": \"b\"}}").status());
    }
}
