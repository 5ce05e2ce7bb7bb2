package io.edgegate.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one input every path runs: all-MiniLM-L6-v2 INT8, batch 1, 128 tokens. The token ids are
 * pseudo-random from a fixed seed, so every run and every path sees exactly the same sequence.
 */
final class BenchInput {
    static final String MODEL = "all-minilm-l6-v2-int8";
    static final String OUTPUT = "last_hidden_state";
    static final String[] INPUT_NAMES = {"input_ids", "attention_mask", "token_type_ids"};
    static final int SEQUENCE = 128;
    static final long[] SHAPE = {1, SEQUENCE};

    private static final String RESOURCE = "all-minilm-l6-v2-q.onnx";
    private static final long CLS = 101;
    private static final long SEP = 102;
    // Word pieces of the BERT uncased vocabulary (30,522 entries) past the special and unused ids.
    private static final int FIRST_WORD = 1996;
    private static final int VOCABULARY = 30522;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long[] inputIds = new long[SEQUENCE];
    private final long[] attentionMask = new long[SEQUENCE];
    private final long[] tokenTypeIds = new long[SEQUENCE];

    BenchInput() {
        SplittableRandom random = new SplittableRandom(20261122L);
        inputIds[0] = CLS;
        for (int i = 1; i < SEQUENCE - 1; i++) {
            inputIds[i] = random.nextInt(FIRST_WORD, VOCABULARY);
        }
        inputIds[SEQUENCE - 1] = SEP;
        Arrays.fill(attentionMask, 1L);
    }

    /** The three inputs, in {@link #INPUT_NAMES} order; the arrays are shared, do not modify them. */
    long[][] values() {
        return new long[][] {inputIds, attentionMask, tokenTypeIds};
    }

    /** The Open Inference Protocol v2 request body. */
    byte[] oipBody() {
        long[][] values = values();
        List<Map<String, Object>> inputs = new ArrayList<>();
        for (int i = 0; i < INPUT_NAMES.length; i++) {
            inputs.add(Map.of("name", INPUT_NAMES[i], "datatype", "INT64", "shape", SHAPE, "data", values[i]));
        }
        try {
            return JSON.writeValueAsString(Map.of("inputs", inputs)).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of arrays always serialises", e);
        }
    }

    /** The request body asking for the outputs as raw bytes (OIP's binary tensor data extension). */
    byte[] oipBinaryBody() {
        String json = new String(oipBody(), StandardCharsets.UTF_8);
        return ("{\"parameters\": {\"binary_data_output\": true}, " + json.substring(1))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Output {@link #OUTPUT} of a binary response: the only output, right after the JSON header. */
    static float[] binaryOutput(byte[] body, int headerLength) {
        java.nio.FloatBuffer f = java.nio.ByteBuffer.wrap(body, headerLength, body.length - headerLength)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[f.remaining()];
        f.get(out);
        return out;
    }

    /** The data of output {@link #OUTPUT} of an OIP v2 response body. */
    static float[] oipOutput(byte[] body) throws IOException {
        JsonNode root = JSON.readTree(body);
        for (JsonNode output : root.path("outputs")) {
            if (OUTPUT.equals(output.path("name").asText())) {
                JsonNode data = output.path("data");
                float[] out = new float[data.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) data.get(i).asDouble();
                }
                return out;
            }
        }
        throw new IOException("no output '" + OUTPUT + "' in the response");
    }

    /**
     * Writes the model from the class path (the langchain4j artifact) into a store layout under
     * {@code root}: {@code root/all-minilm-l6-v2-int8/1/model.onnx}.
     *
     * @return the model file
     */
    static Path writeModel(Path root) throws IOException {
        Path file = root.resolve(MODEL).resolve("1").resolve("model.onnx");
        Files.createDirectories(file.getParent());
        try (InputStream in = BenchInput.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException(RESOURCE + " is not on the class path; is the langchain4j model "
                        + "artifact a dependency?");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /** Largest absolute difference between two outputs; infinite when their lengths differ. */
    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
