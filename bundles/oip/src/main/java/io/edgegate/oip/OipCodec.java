package io.edgegate.oip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.ModelStatus;
import io.edgegate.oip.impl.LimitedInputStream;
import io.edgegate.oip.impl.OipRequestReader;
import io.edgegate.oip.impl.OipResponseWriter;
import io.edgegate.optimizer.Variant;

/**
 * Reads and writes Open Inference Protocol v2 JSON bodies. Requests are parsed strictly (every error is an
 * {@link OipException} with status 400 naming the input it is about) and never read past their size limit;
 * responses stream tensor data without building a tree. The writers close the stream they write to.
 */
public final class OipCodec {
    /** The content type of every body this codec reads or writes. */
    public static final String CONTENT_TYPE = "application/json";

    private OipCodec() {
    }

    /**
     * Parses an inference request ({@code $inference_request}): {@code inputs} (flat or nested row-major
     * {@code data}), optional {@code outputs} and {@code id}.
     *
     * @param model the model the request is for (from the URL or topic)
     * @param version the version asked for, or {@code null} for the newest ready one
     * @param maxBytes the largest body read; a longer one is refused with 413 without reading further
     * @throws OipException 400 for a malformed request, 413 for one over {@code maxBytes}
     * @throws IOException if the stream fails
     */
    public static InferenceRequest readRequest(InputStream body, String model, Long version, long maxBytes)
            throws OipException, IOException {
        try (InputStream in = new LimitedInputStream(body, maxBytes)) {
            return OipRequestReader.read(in, model, version);
        } catch (LimitedInputStream.TooLarge e) {
            throw new OipException(413, e.getMessage());
        }
    }

    /**
     * Parses the body of a repository index request: empty, {@code {}} or {@code {"ready": true|false}}.
     *
     * @return whether only ready versions are asked for
     * @throws OipException 400 for anything else, also for a body over {@code maxBytes}
     */
    public static boolean readReadyFilter(InputStream body, long maxBytes) throws OipException, IOException {
        try (InputStream in = new LimitedInputStream(body, maxBytes)) {
            return OipRequestReader.readyFilter(in);
        } catch (LimitedInputStream.TooLarge e) {
            throw new OipException(400, "an index request body is at most {\"ready\": true}");
        }
    }

    /** Header (HTTP) or user property (MQTT) giving the JSON header's length of a binary response. */
    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    /** The content type of a response that carries raw tensor bytes after its JSON header. */
    public static final String BINARY_CONTENT_TYPE = "application/octet-stream";

    /**
     * An inference request and the outputs the client wants as raw bytes (OIP's binary tensor data extension:
     * {@code "parameters": {"binary_data_output": true}} for all, or {@code "binary_data": true} per output).
     */
    public record Request(InferenceRequest inference, boolean allBinary, Set<String> binaryOutputs) {
        public Request {
            binaryOutputs = Set.copyOf(binaryOutputs);
        }

        /** Whether any output is to be sent as raw bytes. */
        public boolean binary() {
            return allBinary || !binaryOutputs.isEmpty();
        }

        public boolean binary(String output) {
            return allBinary || binaryOutputs.contains(output);
        }
    }

    /** An encoded response: the body, and the JSON header's length ({@code -1}: the body is JSON only). */
    public record Encoded(byte[] body, int headerLength) {
    }

    /** As {@link #readRequest}, with the binary data parameters. */
    public static Request readRequestWithOptions(InputStream body, String model, Long version, long maxBytes)
            throws OipException, IOException {
        try (InputStream in = new LimitedInputStream(body, maxBytes)) {
            return OipRequestReader.readWithBinary(in, model, version);
        } catch (LimitedInputStream.TooLarge e) {
            throw new OipException(413, e.getMessage());
        }
    }

    /** The response as {@code request} asks for it: JSON, or a JSON header followed by raw tensor bytes. */
    public static Encoded encodeResponse(InferenceResponse response, Request request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (request.binary()) {
                int header = OipResponseWriter.inferenceBinary(response, request::binary, out);
                return new Encoded(out.toByteArray(), header);
            }
            writeResponse(response, out);
            return new Encoded(out.toByteArray(), -1);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
    }

    /** Writes an inference response ({@code $inference_response}): model name and version, id, outputs. */
    public static void writeResponse(InferenceResponse response, OutputStream out) throws IOException {
        OipResponseWriter.inference(response, out);
    }

    /**
     * Writes model metadata ({@code $metadata_model_response}) with the gateway's additions {@code version},
     * {@code state}, {@code reason}, {@code provider} and {@code sha256}.
     *
     * @param versions every version of the model
     */
    public static void writeModelMetadata(ModelStatus status, List<Long> versions, OutputStream out)
            throws IOException {
        OipResponseWriter.modelMetadata(status, versions, null, out);
    }

    /**
     * As {@link #writeModelMetadata(ModelStatus, List, OutputStream)}, with the version's optimized variants:
     * {@code "variants": [{"recipe", "options", "key", "outcome", "accepted", "reason"?, "served", "cosineMean",
     * "cosineMin", "maxAbsDiff", "top1Agreement"?, "samples", "bytes", "sourceBytes", "created"}]}.
     *
     * @param variants the version's variants, newest first; {@code null} leaves the field out (no optimizer)
     */
    public static void writeModelMetadata(ModelStatus status, List<Long> versions, List<Variant> variants,
            OutputStream out) throws IOException {
        OipResponseWriter.modelMetadata(status, versions, variants, out);
    }

    /** Writes the repository index: {@code [{"name", "version", "state", "reason", "provider"?}]}. */
    public static void writeIndex(List<ModelStatus> models, OutputStream out) throws IOException {
        OipResponseWriter.index(models, out);
    }

    /** Writes an error body, {@code {"error": message}}. */
    public static void writeError(String message, OutputStream out) throws IOException {
        OipResponseWriter.error(message, out);
    }

    /** An error body, {@code {"error": message}}, as bytes. */
    public static byte[] errorBody(String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeError(message, out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toByteArray();
    }
}
