package io.edgegate.mqtt.impl;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.deploy.BundleDeployer;
import io.edgegate.inference.InferenceService;
import io.edgegate.optimizer.ModelOptimizer;
import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactVerifier;

/**
 * The gateway on MQTT v5 (docs/mqtt.md): remote operations on {@code edgegate/<id>/req/<operation>}, inference on
 * {@code edgegate/<id>/infer/<model>} (and the fleet's shared subscription), the retained status on
 * {@code edgegate/<id>/status}. Without a broker the gateway serves locally and this component keeps trying to
 * connect in the background.
 */
@Component(configurationPid = MqttGateway.PID, immediate = true)
@Designate(ocd = MqttGateway.Config.class)
public final class MqttGateway {
    static final String PID = "io.edgegate.mqtt";
    private static final Logger LOG = LoggerFactory.getLogger(MqttGateway.class);
    private static final long STATUS_CHECK_SECONDS = 2;

    @ObjectClassDefinition(name = "Edgegate MQTT", description = "MQTT v5: remote operations, inference over MQTT "
            + "and the retained status; see docs/mqtt.md.")
    public @interface Config {
        @AttributeDefinition(description = "false: no connection at all.")
        boolean enabled() default true;

        @AttributeDefinition(description = "The broker: tcp://host:1883, or ssl://host:8883 for TLS.")
        String brokerUri() default "tcp://127.0.0.1:1883";

        @AttributeDefinition(description = "This gateway's id in topics (edgegate/<id>/...); empty: the framework "
                + "property edgegate.gateway.id, else the gatewayId of io.edgegate.trust, else the host name.",
                required = false)
        String gatewayId() default "";

        @AttributeDefinition(description = "The fleet whose shared inference topic this gateway serves "
                + "($share/<fleetGroup>/edgegate/fleet/<fleet>/infer/+); empty: none.", required = false)
        String fleet() default "";

        @AttributeDefinition(description = "The shared-subscription group of the fleet's gateways.")
        String fleetGroup() default "edgegate";

        @AttributeDefinition(description = "User name for the broker; empty: none.", required = false)
        String username() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password for the broker.",
                required = false)
        String password() default "";

        @AttributeDefinition(description = "TLS: PKCS#12 or JKS file with the broker's CA; relative to the gateway "
                + "home. Empty: the JVM's default CAs.", required = false)
        String trustStore() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password of the trust store, if it has "
                + "one.", required = false)
        String trustStorePassword() default "";

        @AttributeDefinition(description = "TLS client certificate: PKCS#12 or JKS file with this gateway's key "
                + "and certificate; relative to the gateway home.", required = false)
        String keyStore() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password of the key store and its key.",
                required = false)
        String keyStorePassword() default "";

        @AttributeDefinition(description = "How long the broker keeps this gateway's session (and queues QoS 1 "
                + "requests for it) while it is away, in seconds.")
        long sessionExpirySeconds() default 3600;

        @AttributeDefinition(description = "Threads that run requests.")
        int workerThreads() default 4;

        @AttributeDefinition(description = "Requests that may wait for a worker; beyond that they are answered 503.")
        int queueLength() default 256;

        @AttributeDefinition(description = "Largest message accepted, in bytes; larger ones are answered 413 "
                + "(uploads travel in chunks of at most this size).")
        int maxPayloadBytes() default 1024 * 1024;

        @AttributeDefinition(description = "How many replies are remembered to answer repeated requests.")
        int idempotencyEntries() default 1000;

        @AttributeDefinition(description = "How long replies are remembered, in minutes.")
        int idempotencyMinutes() default 60;

        @AttributeDefinition(description = "How long an unfinished upload is kept, in hours.")
        int uploadExpiryHours() default 24;

        @AttributeDefinition(description = "How long a deploy or activation waits for the model version to load "
                + "before it answers, in seconds.")
        int loadTimeoutSeconds() default 60;
    }

    private final Services services = new Services();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Settings settings;
    private final Connection connection;
    private final Dispatcher dispatcher;
    private final StatusPublisher status;
    private final ScheduledExecutorService timer;

    @Activate
    public MqttGateway(BundleContext context, Config config, @Reference ConfigurationAdmin configAdmin)
            throws IOException {
        this(config.enabled() ? Settings.of(config, context.getProperty(Settings.HOME_PROPERTY),
                context.getProperty(Settings.GATEWAY_ID_PROPERTY), trustGatewayId(configAdmin),
                context.getBundle().getVersion().toString()) : null, context, configAdmin);
    }

    /**
     * @param settings null: disabled
     * @param context null outside a framework: bundle operations answer 503
     * @param configAdmin null outside a framework: configuration operations answer 503
     */
    MqttGateway(Settings settings, BundleContext context, ConfigurationAdmin configAdmin) throws IOException {
        this.settings = settings;
        if (settings == null) {
            LOG.info("MQTT disabled (enabled=false in configuration {})", PID);
            connection = null;
            dispatcher = null;
            status = null;
            timer = null;
            return;
        }
        Clock clock = Clock.systemUTC();
        ReplyCache cache = new ReplyCache(settings.dataDirectory().resolve("replies"), settings.idempotencyEntries(),
                settings.idempotencyTtl(), clock);
        Uploads uploads = new Uploads(settings.dataDirectory().resolve("uploads"), settings.uploadExpiry(), clock);
        Transfers transfers = new Transfers(uploads, services);
        ModelStates states = new ModelStates(services, settings.loadTimeout());
        ModelOps models = new ModelOps(services, transfers, states);
        BundleOps bundles = new BundleOps(context, services, transfers);
        ConfigOps config = new ConfigOps(configAdmin);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgegate-mqtt-status");
            t.setDaemon(true);
            return t;
        });
        this.status = new StatusPublisher(settings, services, Instant.now(clock), this::publishRetained);
        this.dispatcher = new Dispatcher(settings, operations(models, new OptimizeOps(services), bundles, config,
                status),
                new InferenceOps(services, settings.maxPayloadBytes()), cache, this::publishReply,
                this::statusChanged);
        Connection c;
        try {
            c = new Connection(settings, status.offline(false), new Connection.Listener() {
                @Override
                public void connected() {
                    status.check(true);
                }

                @Override
                public void message(String topic, MqttMessage message) {
                    dispatcher.accept(topic, message);
                }
            });
        } catch (Exception e) {
            // a configuration error: say so once and stay out of the way; the gateway serves locally
            LOG.error("MQTT: cannot use broker {}: {}; not connecting (fix configuration {})", settings.brokerUri(),
                    e.toString(), PID);
            c = null;
        }
        this.connection = c;
        LOG.info("MQTT: {}", settings);
        if (connection != null) {
            connection.start();
            timer.scheduleWithFixedDelay(() -> status.check(false), STATUS_CHECK_SECONDS, STATUS_CHECK_SECONDS,
                    TimeUnit.SECONDS);
        }
    }

    private static Map<String, Dispatcher.Op> operations(ModelOps models, OptimizeOps optimize, BundleOps bundles,
            ConfigOps config, StatusPublisher status) {
        Map<String, Dispatcher.Op> ops = new LinkedHashMap<>();
        ops.put("status", new Dispatcher.Op(r -> {
            Body.parse("status", r.payload());
            return Reply.ok(status.document());
        }, false));
        ops.put("models/list", new Dispatcher.Op(models::list, false));
        ops.put("models/deploy", new Dispatcher.Op(models::deploy, true));
        ops.put("models/activate", new Dispatcher.Op(models::activate, true));
        ops.put("models/rollback", new Dispatcher.Op(models::rollback, true));
        ops.put("models/remove", new Dispatcher.Op(models::remove, true));
        ops.put(OptimizeOps.OPERATION, new Dispatcher.Op(optimize::optimize, true));
        ops.put("bundles/list", new Dispatcher.Op(bundles::list, false));
        ops.put("bundles/install", new Dispatcher.Op(bundles::install, true));
        ops.put("bundles/update", new Dispatcher.Op(bundles::update, true));
        ops.put("bundles/uninstall", new Dispatcher.Op(bundles::uninstall, true));
        ops.put("config/get", new Dispatcher.Op(config::get, false));
        ops.put("config/set", new Dispatcher.Op(config::set, true));
        return ops;
    }

    private boolean publishRetained(String topic, byte[] payload) {
        Connection c = this.connection;
        return c != null && c.publish(topic, payload, true, Connection.json());
    }

    private boolean publishReply(String topic, byte[] payload, MqttProperties properties) {
        Connection c = this.connection;
        return c != null && c.publish(topic, payload, false, properties);
    }

    private void statusChanged() {
        try {
            timer.execute(() -> status.check(false));
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** Publishes the retained offline status, disconnects, closes the client and stops the workers; once. */
    @Deactivate
    public void close() {
        if (!closed.compareAndSet(false, true) || settings == null) {
            return;
        }
        timer.shutdownNow();
        dispatcher.close();
        if (connection != null) {
            connection.close(status.offline(true));
        }
        LOG.info("MQTT: stopped");
    }

    boolean isConnected() {
        return connection != null && connection.isConnected();
    }

    Settings settings() {
        return settings;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindInference(InferenceService s) {
        services.inference.set(s);
    }

    void unbindInference(InferenceService s) {
        services.inference.compareAndSet(s, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStore(ModelStore s) {
        services.store.set(s);
    }

    void unbindStore(ModelStore s) {
        services.store.compareAndSet(s, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindVerifier(ArtifactVerifier s) {
        services.verifier.set(s);
    }

    void unbindVerifier(ArtifactVerifier s) {
        services.verifier.compareAndSet(s, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindDeployer(BundleDeployer s) {
        services.deployer.set(s);
    }

    void unbindDeployer(BundleDeployer s) {
        services.deployer.compareAndSet(s, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindOptimizer(ModelOptimizer s) {
        services.optimizer.set(s);
    }

    void unbindOptimizer(ModelOptimizer s) {
        services.optimizer.compareAndSet(s, null);
    }

    /** The trust bundle's gatewayId (what manifests' targets are matched against), read without binding it. */
    private static String trustGatewayId(ConfigurationAdmin admin) {
        try {
            Configuration[] c = admin.listConfigurations("(" + Constants.SERVICE_PID + "=io.edgegate.trust)");
            Dictionary<String, Object> p = c == null || c.length == 0 ? null : c[0].getProperties();
            Object id = p == null ? null : p.get("gatewayId");
            return id == null ? null : id.toString();
        } catch (IOException | InvalidSyntaxException e) {
            return null;
        }
    }
}
