package io.edgegate.http.impl;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.InferenceService;
import io.edgegate.inference.ModelStatus;
import io.edgegate.oip.OipCodec;
import io.edgegate.oip.OipException;
import io.edgegate.optimizer.ModelOptimizer;
import io.edgegate.optimizer.Variant;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Open Inference Protocol v2 over REST: health, server and model metadata (with the version's optimized variants
 * when the optimizer runs), readiness and inference under {@code /v2}. Errors are {@code {"error": "..."}}; 400 for a bad request, 404 for an unknown model or
 * version, 413 for a body over the limit. The HTTP bind address and port are the HTTP service's settings.
 */
@Component(service = Servlet.class, configurationPid = OipServlet.PID)
@Designate(ocd = OipServlet.Config.class)
@HttpWhiteboardServletPattern({"/v2", "/v2/*"})
@HttpWhiteboardServletName("edgegate-oip-v2")
public final class OipServlet extends HttpServlet {
    static final String PID = "io.edgegate.http";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(OipServlet.class);
    private static final String JSON = OipCodec.CONTENT_TYPE;
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    @ObjectClassDefinition(name = "Edgegate HTTP", description = "Open Inference Protocol v2 endpoints.")
    public @interface Config {
        @AttributeDefinition(description = "Largest request body accepted, in bytes; larger gets 413.")
        long maxRequestBytes() default 64L * 1024 * 1024;
    }

    private final transient AtomicReference<InferenceService> inference = new AtomicReference<>();
    private final transient AtomicReference<ModelOptimizer> optimizer = new AtomicReference<>();
    private final long maxRequestBytes;
    private final String serverVersion;

    @Activate
    public OipServlet(BundleContext context, Config config) {
        if (config.maxRequestBytes() <= 0) {
            throw new IllegalArgumentException("maxRequestBytes must be positive");
        }
        this.maxRequestBytes = config.maxRequestBytes();
        this.serverVersion = context.getBundle().getVersion().toString();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindInference(InferenceService service) {
        inference.set(service);
    }

    void unbindInference(InferenceService service) {
        inference.compareAndSet(service, null);
    }

    /** Optional: with it, model metadata lists the version's optimized variants. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindOptimizer(ModelOptimizer service) {
        optimizer.set(service);
    }

    void unbindOptimizer(ModelOptimizer service) {
        optimizer.compareAndSet(service, null);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            route(req, resp);
        } catch (OipException e) {
            if (e.status() >= 500) {
                LOG.warn("{} {}: {}", req.getMethod(), req.getRequestURI(), e.getMessage());
            } else {
                LOG.debug("{} {} -> {}: {}", req.getMethod(), req.getRequestURI(), e.status(), e.getMessage());
            }
            error(resp, e.status(), e.getMessage());
        } catch (RuntimeException e) {
            // A bug of ours: the client gets a JSON 500, the log gets the trace, the gateway goes on.
            LOG.error("{} {} failed", req.getMethod(), req.getRequestURI(), e);
            error(resp, 500, "internal error: " + e);
        }
    }

    private void route(HttpServletRequest req, HttpServletResponse resp) throws OipException, IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        String[] parts = path.isEmpty() || path.equals("/") ? new String[0] : path.substring(1).split("/", -1);
        String method = req.getMethod();
        if (parts.length == 0) {
            requireGet(method);
            serverMetadata(resp);
        } else if (parts.length == 2 && parts[0].equals("health")) {
            requireGet(method);
            health(parts[1], resp);
        } else if (parts[0].equals("models") && parts.length >= 2) {
            model(req, resp, parts);
        } else if (parts[0].equals("repository")) {
            repository(req, resp, parts);
        } else {
            throw new OipException(404, "no endpoint " + req.getRequestURI());
        }
    }

    /** {@code models/{m}[/versions/{v}][/ready|/infer]}. */
    private void model(HttpServletRequest req, HttpServletResponse resp, String[] parts) throws OipException, IOException {
        String name = parts[1];
        Long version = null;
        int next = 2;
        if (parts.length >= 4 && parts[2].equals("versions")) {
            version = parseVersion(name, parts[3]);
            next = 4;
        }
        String action = parts.length == next ? "" : parts.length == next + 1 ? parts[next] : null;
        if (action == null || name.isEmpty()) {
            throw new OipException(404, "no endpoint " + req.getRequestURI());
        }
        switch (action) {
            case "" -> {
                requireGet(req.getMethod());
                ModelStatus status = status(name, version);
                List<Long> versions = service().models().stream().filter(s -> s.name().equals(name))
                        .map(ModelStatus::version).toList();
                ModelOptimizer o = optimizer.get();
                List<Variant> variants = o == null ? null : o.variants(name, status.version());
                ok(resp);
                OipCodec.writeModelMetadata(status, versions, variants, resp.getOutputStream());
            }
            case "ready" -> {
                requireGet(req.getMethod());
                boolean ready = status(name, version).isReady();
                resp.setStatus(ready ? 200 : 400);
                writeBoolean(resp, "ready", ready);
            }
            case "infer" -> {
                if (!req.getMethod().equals("POST")) {
                    resp.setHeader("Allow", "POST");
                    throw new OipException(405, "use POST to infer");
                }
                infer(req, resp, name, version);
            }
            default -> throw new OipException(404, "no endpoint " + req.getRequestURI());
        }
    }

    /**
     * Triton's model repository extension: {@code POST repository/index} lists every version with its state,
     * {@code POST repository/models/{m}/load} (re)loads a model from disk, {@code .../unload} unloads it.
     */
    private void repository(HttpServletRequest req, HttpServletResponse resp, String[] parts)
            throws OipException, IOException {
        if (!req.getMethod().equals("POST")) {
            resp.setHeader("Allow", "POST");
            throw new OipException(405, "use POST for the repository API");
        }
        InferenceService service = service();
        if (parts.length == 2 && parts[1].equals("index")) {
            boolean readyOnly = OipCodec.readReadyFilter(req.getInputStream(), 4096);
            ok(resp);
            OipCodec.writeIndex(service.models().stream().filter(s -> !readyOnly || s.isReady()).toList(),
                    resp.getOutputStream());
            return;
        }
        if (parts.length == 4 && parts[1].equals("models") && !parts[2].isEmpty()
                && (parts[3].equals("load") || parts[3].equals("unload"))) {
            try {
                if (parts[3].equals("load")) {
                    service.load(parts[2]);
                } else {
                    service.unload(parts[2]);
                }
            } catch (InferenceException e) {
                throw map(e);
            }
            ok(resp);
            resp.getOutputStream().write("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        throw new OipException(404, "no endpoint " + req.getRequestURI());
    }

    private void infer(HttpServletRequest req, HttpServletResponse resp, String name, Long version)
            throws OipException, IOException {
        InferenceService service = service();
        long declared = req.getContentLengthLong();
        if (declared > maxRequestBytes) {
            throw tooLarge(resp);
        }
        OipCodec.Request request;
        try {
            request = OipCodec.readRequestWithOptions(req.getInputStream(), name, version, maxRequestBytes);
        } catch (OipException e) {
            throw e.status() == 413 ? tooLarge(resp) : e;
        }
        InferenceResponse response;
        try {
            response = service.infer(request.inference());
        } catch (InferenceException e) {
            throw map(e);
        }
        if (request.binary()) {
            // OIP's binary tensor data extension: a JSON header, then the raw outputs
            OipCodec.Encoded encoded = OipCodec.encodeResponse(response, request);
            resp.setStatus(200);
            resp.setContentType(OipCodec.BINARY_CONTENT_TYPE);
            resp.setHeader(OipCodec.HEADER_LENGTH, Integer.toString(encoded.headerLength()));
            resp.setContentLength(encoded.body().length);
            try {
                resp.getOutputStream().write(encoded.body());
            } catch (IOException e) {
                clientGone(name, e);
            }
            return;
        }
        ok(resp);
        try {
            OipCodec.writeResponse(response, resp.getOutputStream());
        } catch (IOException e) {
            clientGone(name, e);
        }
    }

    /**
     * The answer was computed but the client hung up while it was sent (broken pipe, reset): nothing is wrong with
     * the gateway, so no ERROR with a stack trace; the connection is gone either way.
     */
    private static void clientGone(String model, IOException e) {
        LOG.debug("The client of an inference on {} went away while its answer was sent: {}", model, e.toString());
    }

    private OipException tooLarge(HttpServletResponse resp) {
        // Do not drain the rest of the body: close the connection instead.
        resp.setHeader("Connection", "close");
        return new OipException(413, "request body is larger than the limit of " + maxRequestBytes + " bytes");
    }

    private ModelStatus status(String name, Long version) throws OipException {
        try {
            return service().model(name, version);
        } catch (InferenceException e) {
            throw map(e);
        }
    }

    private static Long parseVersion(String model, String text) throws OipException {
        try {
            long v = Long.parseLong(text);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new OipException(404, "model '" + model + "' has no version '" + text + "'");
    }

    private static OipException map(InferenceException e) {
        return switch (e.reason()) {
            case MODEL_NOT_FOUND -> new OipException(404, e.getMessage());
            case MODEL_NOT_READY, INVALID_INPUT -> new OipException(400, e.getMessage());
            case INTERNAL -> new OipException(500, e.getMessage());
        };
    }

    private InferenceService service() throws OipException {
        InferenceService s = inference.get();
        if (s == null) {
            throw new OipException(503, "the inference service is not running");
        }
        return s;
    }

    private void health(String which, HttpServletResponse resp) throws OipException, IOException {
        switch (which) {
            case "live" -> {
                resp.setStatus(200);
                writeBoolean(resp, "live", true);
            }
            case "ready" -> {
                InferenceService s = inference.get();
                boolean ready = s != null && s.isReady();
                resp.setStatus(ready ? 200 : 400);
                writeBoolean(resp, "ready", ready);
            }
            default -> throw new OipException(404, "no endpoint /v2/health/" + which);
        }
    }

    private void serverMetadata(HttpServletResponse resp) throws IOException {
        ok(resp);
        try (JsonGenerator g = JSON_FACTORY.createGenerator(resp.getOutputStream(), JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("name", "edgegate");
            g.writeStringField("version", serverVersion);
            g.writeArrayFieldStart("extensions");
            g.writeString("model_repository");
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void requireGet(String method) throws OipException {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new OipException(405, "use GET");
        }
    }

    private static void ok(HttpServletResponse resp) {
        resp.setStatus(200);
        resp.setContentType(JSON);
    }

    private static void writeBoolean(HttpServletResponse resp, String field, boolean value) throws IOException {
        resp.setContentType(JSON);
        try (JsonGenerator g = JSON_FACTORY.createGenerator(resp.getOutputStream(), JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeBooleanField(field, value);
            g.writeEndObject();
        }
    }

    private static void error(HttpServletResponse resp, int status, String message) throws IOException {
        if (resp.isCommitted()) {
            return;
        }
        resp.resetBuffer();
        resp.setStatus(status);
        resp.setContentType(JSON);
        OipCodec.writeError(message, resp.getOutputStream());
    }
}
