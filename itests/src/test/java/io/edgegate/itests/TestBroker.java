package io.edgegate.itests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.hivemq.embedded.EmbeddedHiveMQ;

/**
 * A real MQTT 5 broker for tests: HiveMQ Community Edition embedded in the test JVM, on a free loopback port, with
 * its own folders. {@link #stop()} and {@link #start()} again keep the port, like a broker restart. Outside the
 * framework only.
 */
final class TestBroker implements AutoCloseable {
    final int port;
    private final Path folder;
    private EmbeddedHiveMQ hivemq;

    private TestBroker(Path folder, int port) {
        this.folder = folder;
        this.port = port;
    }

    /** A broker with its files under {@code folder}, started. */
    static TestBroker start(Path folder) throws Exception {
        TestBroker b = new TestBroker(folder.toAbsolutePath(), TestGateway.freePort());
        Files.createDirectories(folder.resolve("conf"));
        Files.createDirectories(folder.resolve("data"));
        Files.createDirectories(folder.resolve("extensions"));
        Files.writeString(folder.resolve("conf/config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
                  </listeners>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(b.port));
        b.start();
        return b;
    }

    String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    synchronized void start() throws Exception {
        if (hivemq != null) {
            return;
        }
        hivemq = EmbeddedHiveMQ.builder().withConfigurationFolder(folder.resolve("conf"))
                .withDataFolder(folder.resolve("data")).withExtensionsFolder(folder.resolve("extensions"))
                .withoutLoggingBootstrap().build();
        hivemq.start().get(60, TimeUnit.SECONDS);
    }

    /** Stops the broker; every client connection drops. */
    synchronized void stop() throws Exception {
        if (hivemq == null) {
            return;
        }
        try {
            hivemq.stop().get(60, TimeUnit.SECONDS);
            hivemq.close();
        } finally {
            hivemq = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    /** The {@code io.edgegate.mqtt} configuration that points a gateway at this broker. */
    String gatewayConfig(String gatewayId) {
        return "brokerUri=" + uri() + "\ngatewayId=" + gatewayId + "\n";
    }
}
