package io.edgegate.mqtt.impl;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.deploy.BundleDeployer;
import io.edgegate.deploy.DeployException;
import io.edgegate.deploy.DeployedBundle;
import io.edgegate.mqtt.impl.Uploads.Upload;
import io.edgegate.trust.ArtifactType;

/**
 * {@code bundles/list}, {@code bundles/install}, {@code bundles/update} (uploaded like a model, then handed to
 * the verify-then-install path, {@link BundleDeployer}) and {@code bundles/uninstall}. Besides what the deployer
 * protects, bundles this one depends on are refused: replacing them would restart the operations channel in the
 * middle of the request that replaces them.
 */
final class BundleOps {
    private static final Logger LOG = LoggerFactory.getLogger(BundleOps.class);
    static final String INSTALL = "bundles/install";
    static final String UPDATE = "bundles/update";

    /** Null outside a framework (unit tests): every bundle operation is then 503. */
    private final BundleContext context;
    private final Services services;
    private final Transfers transfers;

    BundleOps(BundleContext context, Services services, Transfers transfers) {
        this.context = context;
        this.services = services;
        this.transfers = transfers;
    }

    Reply list(Request r) throws OpException {
        Body.parse("bundles/list", r.payload());
        BundleContext ctx = context("bundles/list");
        Set<String> deployed = deployedNames();
        ArrayNode bundles = Body.JSON.createArrayNode();
        for (Bundle b : ctx.getBundles()) {
            ObjectNode o = bundles.addObject();
            o.put("id", b.getBundleId());
            o.put("symbolicName", b.getSymbolicName());
            o.put("version", b.getVersion().toString());
            o.put("state", DeployedBundle.stateName(b.getState()));
            o.put("deployed", isDeployed(b, deployed));
        }
        ObjectNode result = Body.JSON.createObjectNode();
        result.set("bundles", bundles);
        return Reply.ok(result);
    }

    Reply install(Request r) throws OpException {
        return transfer(INSTALL, r);
    }

    Reply update(Request r) throws OpException {
        return transfer(UPDATE, r);
    }

    private Reply transfer(String op, Request r) throws OpException {
        if (Transfers.isChunk(r)) {
            return transfers.chunk(op, r, u -> deploy(op, u));
        }
        Body b = Body.parse(op, r.payload(), "name", "version", "manifest");
        String name = b.name("name", Body.SYMBOLIC_NAME);
        long version = b.version("version");
        ObjectNode manifest = b.object("manifest");
        precheck(op, name);
        return transfers.begin(op, ArtifactType.BUNDLE, name, version, manifest);
    }

    /** What can be refused before any byte is uploaded, and again before installing. */
    private void precheck(String op, String name) throws OpException {
        services.deployer();
        String why = protectedWhy(op, name);
        if (why != null) {
            throw new OpException(403, op + ": bundle '" + name + "' is protected: " + why);
        }
        List<Bundle> existing = installed(name);
        if (op.equals(INSTALL) && !existing.isEmpty()) {
            throw new OpException(409, op + ": bundle '" + name + "' is installed already; use bundles/update");
        }
        if (op.equals(UPDATE) && existing.isEmpty()) {
            throw new OpException(404, op + ": no bundle '" + name + "' is installed; use bundles/install");
        }
    }

    private Reply deploy(String op, Upload u) throws OpException {
        precheck(op, u.name());
        BundleDeployer deployer = services.deployer();
        try (InputStream manifest = new ByteArrayInputStream(u.manifest());
                InputStream jar = Files.newInputStream(u.data())) {
            DeployedBundle d = deployer.install(u.name(), manifest, jar);
            LOG.info("MQTT {}: bundle {} {} (signed version {}) is {}", op, d.symbolicName(), d.version(),
                    d.signedVersion(), d.stateName());
            ObjectNode o = Body.JSON.createObjectNode();
            o.put("id", d.bundleId());
            o.put("symbolicName", d.symbolicName());
            o.put("version", d.version());
            o.put("signedVersion", d.signedVersion());
            o.put("sha256", d.sha256());
            o.put("state", d.stateName());
            return Reply.ok(o);
        } catch (DeployException e) {
            LOG.info("MQTT {}: bundle {} not deployed: {}: {}", op, u.name(), e.reason(), e.getMessage());
            int status = switch (e.reason()) {
                case VERIFICATION_FAILED, PROTECTED, WRONG_BUNDLE -> 403;
                case INVALID_BUNDLE, START_FAILED_ROLLED_BACK -> 409;
                case ROLLBACK_FAILED, IO -> 500;
            };
            String reason = e.verificationReason().map(v -> e.reason() + " (" + v + ")").orElse(e.reason().name());
            throw new OpException(status, op + ": " + reason + ": " + e.getMessage());
        } catch (IOException e) {
            throw new OpException(500, op + ": cannot read the upload: " + e.getMessage());
        }
    }

    Reply uninstall(Request r) throws OpException {
        String op = "bundles/uninstall";
        Body body = Body.parse(op, r.payload(), "name");
        String name = body.name("name", Body.SYMBOLIC_NAME);
        BundleContext ctx = context(op);
        String why = protectedWhy(op, name);
        if (why != null) {
            throw new OpException(403, op + ": bundle '" + name + "' is protected: " + why);
        }
        List<Bundle> found = installed(name);
        if (found.isEmpty()) {
            throw new OpException(404, op + ": no bundle '" + name + "' is installed");
        }
        if (found.size() > 1) {
            throw new OpException(409, op + ": " + found.size() + " bundles are named '" + name + "'");
        }
        Bundle b = found.get(0);
        if (!b.getLocation().startsWith(BundleDeployer.LOCATION_PREFIX)) {
            throw new OpException(403, op + ": bundle '" + name + "' came with the distribution; only bundles "
                    + "deployed through the deployer can be uninstalled remotely");
        }
        try {
            // the deployer also forgets its kept jar, so the bundle does not come back at the next start
            services.deployer().uninstall(name);
        } catch (DeployException e) {
            throw new OpException(e.reason() == DeployException.Reason.PROTECTED ? 403 : 500, op + ": "
                    + e.getMessage());
        }
        LOG.info("MQTT {}: bundle {} {} (id {}) uninstalled", op, name, b.getVersion(), b.getBundleId());
        ObjectNode o = Body.JSON.createObjectNode();
        o.put("id", b.getBundleId());
        o.put("symbolicName", name);
        o.put("version", b.getVersion().toString());
        o.put("state", DeployedBundle.stateName(Bundle.UNINSTALLED));
        return Reply.ok(o);
    }

    /** Why a bundle must not be replaced or removed over MQTT, or null. */
    private String protectedWhy(String op, String name) throws OpException {
        BundleContext ctx = context(op);
        if (name.equals(Constants.SYSTEM_BUNDLE_SYMBOLICNAME) || name.equals(ctx.getBundle(0).getSymbolicName())) {
            return "it is the OSGi framework";
        }
        String own = ctx.getBundle().getSymbolicName();
        for (String p : Arrays.asList("io.edgegate.onnxruntime", "io.edgegate.trust", "io.edgegate.deploy", own)) {
            if (name.equals(p)) {
                return "it is replaced with a new distribution only";
            }
        }
        BundleWiring wiring = ctx.getBundle().adapt(BundleWiring.class);
        if (wiring != null) {
            for (BundleWire w : wiring.getRequiredWires(null)) {
                if (name.equals(w.getProvider().getBundle().getSymbolicName())) {
                    return "the MQTT bundle depends on it; replacing it would cut the operations channel mid-request";
                }
            }
        }
        return null;
    }

    private List<Bundle> installed(String name) throws OpException {
        return Arrays.stream(context("bundles").getBundles()).filter(b -> name.equals(b.getSymbolicName()))
                .toList();
    }

    private Set<String> deployedNames() {
        BundleDeployer d = services.deployer.get();
        return d == null ? Set.of()
                : d.deployed().stream().map(DeployedBundle::symbolicName).collect(Collectors.toSet());
    }

    private static boolean isDeployed(Bundle b, Set<String> deployed) {
        return b.getLocation().startsWith(BundleDeployer.LOCATION_PREFIX) || deployed.contains(b.getSymbolicName());
    }

    private BundleContext context(String op) throws OpException {
        if (context == null) {
            throw new OpException(503, op + ": not running in an OSGi framework");
        }
        return context;
    }
}
