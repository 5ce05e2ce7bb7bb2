package io.edgegate.edgectl;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

import javax.net.SocketFactory;

import picocli.CommandLine.Option;

/**
 * How to reach a gateway (docs/mqtt.md): the broker, the gateway's id, credentials, TLS, and how long to wait for each
 * answer. Shared by every command that talks to gateways, with defaults from the environment.
 */
final class MqttOptions {
    static final String DEFAULT_BROKER = "tcp://127.0.0.1:1883";
    /** A topic level that carries a name: no separators, no wildcards (they would change the topic's meaning). */
    private static final Pattern TOPIC_LEVEL = Pattern.compile("[^/+#\\u0000]{1,200}");

    @Option(names = "--broker", paramLabel = "URI", defaultValue = "${env:EDGEGATE_BROKER:-" + DEFAULT_BROKER + "}",
            description = "MQTT broker: tcp://host:1883 or ssl://host:8883 (default: $EDGEGATE_BROKER, else "
                    + DEFAULT_BROKER + ").")
    String broker;

    @Option(names = "--gateway", paramLabel = "ID", defaultValue = "${env:EDGEGATE_GATEWAY}",
            description = "The gateway's id (default: $EDGEGATE_GATEWAY).")
    String gateway;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "30s", converter = Converters.Timeout.class,
            description = "How long to wait for each answer: 30s, 500ms, 2m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--username", paramLabel = "USER", defaultValue = "${env:EDGEGATE_MQTT_USERNAME}",
            description = "Broker user name (default: $EDGEGATE_MQTT_USERNAME).")
    String username;

    @Option(names = "--password", paramLabel = "PASSWORD", defaultValue = "${env:EDGEGATE_MQTT_PASSWORD}",
            description = "Broker password (default: $EDGEGATE_MQTT_PASSWORD, which keeps it out of the process list).")
    String password;

    @Option(names = "--cafile", paramLabel = "CA.pem",
            description = "Trust only these CA certificates (PEM) for the broker's TLS certificate (ssl:// brokers); "
                    + "default: the JVM's trust store.")
    Path cafile;

    @Option(names = "--cert", paramLabel = "CERT.pem",
            description = "Client certificate (PEM, leaf first, then intermediates) for TLS client authentication.")
    Path cert;

    @Option(names = "--key", paramLabel = "KEY.pem", description = "The --cert's private key (PKCS#8 PEM).")
    Path key;

    /** The gateway id, required here: picocli cannot require an option whose default comes from the environment. */
    String gateway() {
        if (gateway == null || gateway.isBlank()) {
            throw Failure.usage("which gateway? give --gateway ID or set EDGEGATE_GATEWAY");
        }
        return topicLevel(gateway, "--gateway");
    }

    static String topicLevel(String value, String what) {
        if (!TOPIC_LEVEL.matcher(value).matches()) {
            throw Failure.usage(what + " '" + value + "' cannot be a topic level: no '/', '+' or '#'");
        }
        return value;
    }

    /** Checks the broker URI and the TLS options against each other; the socket factory for ssl:// brokers. */
    SocketFactory socketFactory() {
        String scheme;
        try {
            URI uri = new URI(broker);
            scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (uri.getHost() == null) {
                throw new URISyntaxException(broker, "no host");
            }
        } catch (URISyntaxException e) {
            throw Failure.usage("--broker '" + broker + "' is not a broker URI such as " + DEFAULT_BROKER
                    + " or ssl://host:8883");
        }
        boolean tls = scheme.equals("ssl") || scheme.equals("wss");
        if (!tls && !scheme.equals("tcp") && !scheme.equals("ws")) {
            throw Failure.usage("--broker '" + broker + "': the scheme must be tcp, ssl, ws or wss");
        }
        if ((cert == null) != (key == null)) {
            throw Failure.usage("--cert and --key go together");
        }
        if (!tls) {
            if (cafile != null || cert != null) {
                throw Failure.usage("--cafile, --cert and --key need a TLS broker: ssl://host:8883");
            }
            return null;
        }
        return Tls.socketFactory(cafile, cert, key);
    }

    /** The target for messages: {@code gateway 'gw-1' on tcp://…}. */
    String where(String target) {
        return target + " on " + broker;
    }
}
