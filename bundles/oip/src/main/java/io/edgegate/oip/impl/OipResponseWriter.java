package io.edgegate.oip.impl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;

import ai.onnxruntime.platform.Fp16Conversions;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.ModelStatus;
import io.edgegate.model.Tensor;
import io.edgegate.model.TensorSpec;
import io.edgegate.optimizer.Variant;

/** Writes Open Inference Protocol v2 responses, streaming tensor data without building a tree. */
public final class OipResponseWriter {
    // Schubfach float formatting: several times faster than Float.toString on large outputs, same digits.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    private OipResponseWriter() {
    }

    public static JsonGenerator open(OutputStream out) throws IOException {
        return JSON.createGenerator(out, JsonEncoding.UTF8);
    }

    /**
     * The binary tensor data extension: the JSON header, where each output sent as raw bytes has
     * {@code "parameters": {"binary_data_size": n}} instead of {@code data}, followed by those outputs' raw
     * little-endian bytes in the order of the header.
     *
     * @return the JSON header's length in bytes
     */
    public static int inferenceBinary(InferenceResponse response, java.util.function.Predicate<String> binary,
            java.io.ByteArrayOutputStream out) throws IOException {
        List<Tensor> raw = new java.util.ArrayList<>();
        try (JsonGenerator g = open(out)) {
            write(g, response, binary, raw);
        }
        int header = out.size();
        for (Tensor t : raw) {
            ByteBuffer b = t.data();
            if (b.hasArray()) {
                out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
            } else {
                byte[] copy = new byte[b.remaining()];
                b.get(copy);
                out.write(copy);
            }
        }
        return header;
    }

    public static void inference(InferenceResponse response, OutputStream out) throws IOException {
        try (JsonGenerator g = open(out)) {
            write(g, response, name -> false, null);
        }
    }

    /** The response object; outputs that {@code binary} selects get a size instead of data and go to {@code raw}. */
    private static void write(JsonGenerator g, InferenceResponse response,
            java.util.function.Predicate<String> binary, List<Tensor> raw) throws IOException {
        g.writeStartObject();
        g.writeStringField("model_name", response.model());
        g.writeStringField("model_version", Long.toString(response.version()));
        if (response.id() != null) {
            g.writeStringField("id", response.id());
        }
        g.writeArrayFieldStart("outputs");
        for (Tensor t : response.outputs()) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("datatype", t.datatype().name());
            writeShape(g, t.shape());
            // BYTES has no fixed-size raw form here: it stays JSON
            if (binary.test(t.name()) && t.datatype() != io.edgegate.model.DataType.BYTES) {
                g.writeObjectFieldStart("parameters");
                g.writeNumberField("binary_data_size", t.data().remaining());
                g.writeEndObject();
                raw.add(t);
            } else {
                g.writeFieldName("data");
                writeData(g, t);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeData(JsonGenerator g, Tensor t) throws IOException {
        ByteBuffer b = t.data();
        int n = (int) t.elementCount();
        g.writeStartArray();
        switch (t.datatype()) {
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    g.writeBoolean(b.get() != 0);
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Byte.toUnsignedInt(b.get()));
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.get());
                }
            }
            case UINT16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Short.toUnsignedInt(b.getShort()));
                }
            }
            case INT16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getShort());
                }
            }
            case UINT32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Integer.toUnsignedLong(b.getInt()));
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getInt());
                }
            }
            case UINT64 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Long.toUnsignedString(b.getLong()));
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getLong());
                }
            }
            case FP16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Fp16Conversions.fp16ToFloat(b.getShort()));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Fp16Conversions.bf16ToFloat(b.getShort()));
                }
            }
            case FP32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getFloat());
                }
            }
            case FP64 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getDouble());
                }
            }
            default -> throw new IOException("cannot write " + t.datatype() + " as JSON");
        }
        g.writeEndArray();
    }

    /**
     * {@code $metadata_model_response}, with the gateway's state, reason, provider and sha256 added, and the
     * version's optimized variants unless {@code variants} is null.
     */
    public static void modelMetadata(ModelStatus status, List<Long> versions, List<Variant> variants,
            OutputStream out) throws IOException {
        try (JsonGenerator g = open(out)) {
            g.writeStartObject();
            g.writeStringField("name", status.name());
            g.writeArrayFieldStart("versions");
            for (long v : versions) {
                g.writeString(Long.toString(v));
            }
            g.writeEndArray();
            g.writeStringField("platform", "onnxruntime_onnx");
            writeSpecs(g, "inputs", status.inputs());
            writeSpecs(g, "outputs", status.outputs());
            g.writeStringField("version", Long.toString(status.version()));
            g.writeStringField("state", status.state().name());
            if (status.reason().isPresent()) {
                g.writeStringField("reason", status.reason().get());
            }
            if (status.provider().isPresent()) {
                g.writeStringField("provider", status.provider().get());
            }
            if (status.sha256().isPresent()) {
                g.writeStringField("sha256", status.sha256().get());
            }
            if (variants != null) {
                g.writeArrayFieldStart("variants");
                for (Variant v : variants) {
                    writeVariant(g, v);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
    }

    private static void writeVariant(JsonGenerator g, Variant v) throws IOException {
        g.writeStartObject();
        g.writeStringField("recipe", v.recipe());
        g.writeObjectFieldStart("options");
        for (var e : new java.util.TreeMap<>(v.options()).entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeStringField("key", v.key());
        g.writeStringField("outcome", v.outcome().name());
        g.writeBooleanField("accepted", v.accepted());
        if (v.reason() != null) {
            g.writeStringField("reason", v.reason());
        }
        g.writeBooleanField("served", v.served());
        if (v.metrics() != null) {
            g.writeNumberField("cosineMean", v.metrics().cosineMean());
            g.writeNumberField("cosineMin", v.metrics().cosineMin());
            g.writeNumberField("maxAbsDiff", v.metrics().maxAbsDiff());
            if (v.metrics().top1Agreement() != null) {
                g.writeNumberField("top1Agreement", v.metrics().top1Agreement());
            }
            g.writeNumberField("samples", v.metrics().samples());
        }
        if (v.variantSha256() != null) {
            g.writeNumberField("bytes", v.variantBytes());
        }
        g.writeNumberField("sourceBytes", v.sourceBytes());
        g.writeStringField("created", v.created().toString());
        g.writeEndObject();
    }

    /** The repository index: {@code [{"name", "version", "state", "reason"}]}, as Triton writes it. */
    public static void index(List<ModelStatus> models, OutputStream out) throws IOException {
        try (JsonGenerator g = open(out)) {
            g.writeStartArray();
            for (ModelStatus s : models) {
                g.writeStartObject();
                g.writeStringField("name", s.name());
                g.writeStringField("version", Long.toString(s.version()));
                g.writeStringField("state", s.state().name());
                g.writeStringField("reason", s.reason().orElse(""));
                if (s.provider().isPresent()) {
                    g.writeStringField("provider", s.provider().get());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }
    }

    private static void writeSpecs(JsonGenerator g, String field, List<TensorSpec> specs) throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorSpec s : specs) {
            g.writeStartObject();
            g.writeStringField("name", s.name());
            g.writeStringField("datatype", s.datatype().name());
            writeShape(g, s.shape());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeShape(JsonGenerator g, long[] shape) throws IOException {
        g.writeFieldName("shape");
        g.writeArray(shape, 0, shape.length);
    }

    /** {@code {"error": message}}. */
    public static void error(String message, OutputStream out) throws IOException {
        try (JsonGenerator g = open(out)) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        }
    }
}
