package io.edgegate.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.osgi.framework.BundleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code bin/edgegate}: runs the gateway in the foreground until Ctrl-C or SIGTERM. */
@Command(name = "edgegate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Runs the Edgegate gateway in the foreground: models from models/, settings from config/.",
            "Ctrl-C or SIGTERM stops it cleanly (exit code 0)."},
        footer = {"", "Environment: JAVA_HOME (Java 17 or newer), EDGEGATE_JAVA_OPTS (JVM options)."})
public final class Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    private static final String HTTP_PORT = "org.osgi.service.http.port";
    private static final String HTTP_HOST = "org.apache.felix.http.host";

    @Option(names = "--home", description = "The gateway's folder (default: the folder above bin/).",
            paramLabel = "DIR")
    Path home;

    @Option(names = {"-p", "--port"}, description = "HTTP port (default from config/edgegate.properties: 8080).",
            paramLabel = "PORT")
    Integer port;

    @Option(names = "--host", description = "HTTP bind address (default from config/edgegate.properties: "
            + "127.0.0.1).", paramLabel = "ADDRESS")
    String host;

    @Option(names = "--shell", description = "An interactive Gogo shell on this terminal (try: help, "
            + "edgegate:models, edgegate:providers).")
    boolean shell;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path dir = (home != null ? home : Paths.get(System.getProperty("edgegate.home", "."))).toAbsolutePath()
                .normalize();
        if (!Files.isDirectory(dir.resolve("features")) || !Files.isDirectory(dir.resolve("bundles"))) {
            System.err.println("edgegate: " + dir + " is not an Edgegate folder (no features/ and bundles/)");
            return 2;
        }
        if (port != null && (port < 0 || port > 65535)) {
            System.err.println("edgegate: --port must be 0-65535");
            return 2;
        }
        Map<String, String> props = Gateway.defaults(dir, build().getProperty("slf4j.version"));
        Path settings = dir.resolve("config").resolve("edgegate.properties");
        if (Files.isRegularFile(settings)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(settings, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k).trim()));
        }
        if (port != null) {
            props.put(HTTP_PORT, port.toString());
        }
        if (host != null) {
            props.put(HTTP_HOST, host);
        }
        if (shell) {
            props.remove("gosh.args");
        }
        Gateway gateway = new Gateway(dir, props);
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C and SIGTERM are the normal way to stop: stop the framework and exit 0.
        for (String sig : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(sig), s -> {
                LOG.info("SIG{} received, stopping", s.getName());
                stopped.countDown();
            });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> gateway.stop(30_000), "edgegate-shutdown"));
        try {
            gateway.start();
        } catch (BundleException | RuntimeException e) {
            LOG.error("Edgegate failed to start: {}", e.getMessage(), e);
            return 1;
        }
        LOG.info("Edgegate {} started in {} ms; Open Inference Protocol at http://{}:{}/v2",
                build().getProperty("version"), (System.nanoTime() - start) / 1_000_000,
                props.getOrDefault(HTTP_HOST, "0.0.0.0"), props.getOrDefault(HTTP_PORT, "8080"));
        Thread watcher = new Thread(() -> {
            try {
                gateway.awaitStop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
        }, "edgegate-framework-watch");
        watcher.setDaemon(true);
        watcher.start();
        stopped.await();
        boolean clean = gateway.stop(30_000);
        LOG.info(clean ? "Edgegate stopped" : "Edgegate did not stop within 30 s");
        return clean ? 0 : 1;
    }

    static Properties build() {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("launcher jar is damaged: " + e.getMessage(), e);
        }
        return p;
    }

    /** Prints the version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Edgegate " + build().getProperty("version")};
        }
    }
}
