package io.edgegate.edgectl;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** TLS to the broker from PEM files, the way mosquitto's clients take them ({@code --cafile}, {@code --cert}, {@code --key}). */
final class Tls {
    private static final char[] IN_MEMORY = "edgectl".toCharArray();

    private Tls() {
    }

    /**
     * @param cafile CA certificates to trust instead of the JVM's, or null
     * @param cert client certificate chain, or null (then {@code key} is null too)
     */
    static SSLSocketFactory socketFactory(Path cafile, Path cert, Path key) {
        for (Path p : new Path[] {cafile, cert, key}) {
            if (p != null) {
                Io.requireFile(p, p == cafile ? "--cafile" : p == cert ? "--cert" : "--key");
            }
        }
        try {
            TrustManagerFactory tmf = null;
            if (cafile != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (X509Certificate ca : Io.certificates(cafile)) {
                    trust.setCertificateEntry("ca" + i++, ca);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (cert != null) {
                List<X509Certificate> chain = Io.certificates(cert);
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", jdkKey(Io.anyPrivateKey(key), key), IN_MEMORY,
                        chain.toArray(new X509Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, IN_MEMORY);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw Failure.usage("cannot set up TLS with --cafile/--cert/--key: " + e.getMessage());
        }
    }

    /** The same key from the JDK's own provider: JSSE signs the handshake with it, and BouncyCastle is not registered. */
    private static PrivateKey jdkKey(PrivateKey key, Path file) {
        String algorithm = key.getAlgorithm();
        if (algorithm.equals("ECDSA")) {
            algorithm = "EC";
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw Failure.usage("--key " + file + ": a " + key.getAlgorithm() + " key cannot be used for TLS here: "
                    + e.getMessage());
        }
    }
}
