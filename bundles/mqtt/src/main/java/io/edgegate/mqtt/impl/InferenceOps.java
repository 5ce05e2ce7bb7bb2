package io.edgegate.mqtt.impl;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.InferenceService;
import io.edgegate.oip.OipCodec;
import io.edgegate.oip.OipException;

/**
 * Inference over MQTT: the body is an Open Inference Protocol v2 request, exactly as over HTTP; the reply's body
 * is the OIP response (200) or {@code {"error": "..."}} with the status in the user property.
 */
final class InferenceOps {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceOps.class);

    private final Services services;
    private final int maxPayloadBytes;

    InferenceOps(Services services, int maxPayloadBytes) {
        this.services = services;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    Reply infer(String model, Request r) {
        if (!Body.MODEL_NAME.matcher(model).matches()) {
            return error(400, "'" + Body.abbreviate(model) + "' is not a model name");
        }
        InferenceService inference = services.inference.get();
        if (inference == null) {
            return error(503, "the inference service is not running");
        }
        try {
            OipCodec.Request request = OipCodec.readRequestWithOptions(new ByteArrayInputStream(r.payload()), model,
                    null, maxPayloadBytes);
            InferenceResponse response = inference.infer(request.inference());
            OipCodec.Encoded encoded = OipCodec.encodeResponse(response, request);
            return new Reply(200, encoded.body(), encoded.headerLength());
        } catch (OipException e) {
            return error(e.status(), e.getMessage());
        } catch (InferenceException e) {
            int status = switch (e.reason()) {
                case MODEL_NOT_FOUND -> 404;
                case MODEL_NOT_READY -> 503;
                case INVALID_INPUT -> 400;
                case INTERNAL -> 500;
            };
            if (status == 500) {
                LOG.warn("MQTT inference on {} failed: {}", model, e.getMessage());
            }
            return error(status, e.getMessage());
        } catch (IOException e) {
            return error(500, "cannot write the response: " + e.getMessage());
        }
    }

    static Reply error(int status, String message) {
        return new Reply(status, OipCodec.errorBody(message));
    }
}
