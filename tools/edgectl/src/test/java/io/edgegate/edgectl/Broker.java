package io.edgegate.edgectl;

import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import com.hivemq.embedded.EmbeddedHiveMQ;

import io.edgegate.trust.format.Certificates;

/**
 * A real MQTT 5 broker (HiveMQ CE, embedded) for the whole test run: a plain listener and a TLS one on free loopback
 * ports, in-memory persistence, its files in a temporary folder. Tests receive it as a parameter:
 * {@code @ExtendWith(Broker.Resolver.class)}.
 */
final class Broker implements ExtensionContext.Store.CloseableResource {
    final int port;
    final int tlsPort;
    /** The CA that signed the TLS listener's certificate (for 127.0.0.1), as PEM. */
    final Path caPem;
    private final Path home;
    private final EmbeddedHiveMQ hivemq;

    private Broker() throws Exception {
        home = Files.createTempDirectory("edgectl-broker");
        port = freePort();
        tlsPort = freePort();
        caPem = home.resolve("ca.pem");
        Path keystore = home.resolve("broker.p12");
        tlsMaterial(keystore);
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
                    <tls-tcp-listener>
                      <port>%d</port><bind-address>127.0.0.1</bind-address>
                      <tls><keystore><path>%s</path><password>changeit</password>
                        <private-key-password>changeit</private-key-password></keystore></tls>
                    </tls-tcp-listener>
                  </listeners>
                  <persistence><mode>in-memory</mode></persistence>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, tlsPort, keystore), StandardCharsets.UTF_8);
        hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(home.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
                .withoutLoggingBootstrap()
                .build();
        hivemq.start().join();
    }

    String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    String tlsUri() {
        return "ssl://127.0.0.1:" + tlsPort;
    }

    @Override
    public void close() throws Exception {
        hivemq.stop().join();
        hivemq.close();
        Io.deleteTree(home);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A CA and a server certificate for 127.0.0.1 signed by it: the broker's keystore, and the CA as PEM. */
    private void tlsMaterial(Path keystore) throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        KeyPair ca = ec.generateKeyPair();
        KeyPair server = ec.generateKeyPair();
        X500Name caName = new X500Name("CN=edgectl test CA");
        Instant now = Instant.now();
        X509Certificate caCert = certificate(caName, caName, ca.getPublic(), ca.getPrivate(), now, true, null);
        X509Certificate serverCert = certificate(caName, new X500Name("CN=127.0.0.1"), server.getPublic(),
                ca.getPrivate(), now, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")}));
        Files.writeString(caPem, Certificates.toPem(caCert));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("broker", server.getPrivate(), "changeit".toCharArray(),
                new X509Certificate[] {serverCert, caCert});
        try (OutputStream out = Files.newOutputStream(keystore)) {
            ks.store(out, "changeit".toCharArray());
        }
    }

    private static X509Certificate certificate(X500Name issuer, X500Name subject, java.security.PublicKey key,
            PrivateKey signer, Instant now, boolean ca, GeneralNames names) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()
                + (ca ? 0 : 1)), Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
                subject, key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (names != null) {
            b.addExtension(Extension.subjectAlternativeName, false, names);
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    /** Hands every test the one broker of the run, started on first use and stopped when the run ends. */
    static final class Resolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
            return p.getParameter().getType() == Broker.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext c) {
            return c.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(Broker.class, k -> {
                try {
                    return new Broker();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot start the test broker", e);
                }
            }, Broker.class);
        }
    }
}
