package io.edgegate.bench;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;

/**
 * How close a variant of all-MiniLM-L6-v2 stays to the FP32 model: the cosine similarity of the token embeddings,
 * per valid token, averaged over every valid token of 20 seeded inputs of 8 to 128 tokens, each with a masked-out
 * padded tail. The same inputs and the same metric as the optimizer's tests ({@code MiniLmRecipesTest}), so the
 * figures can be compared with theirs. The output read is the model's first: {@code output_0} in the FP32 export,
 * {@code last_hidden_state} in the INT8 one.
 */
final class TokenAccuracy {
    static final int INPUTS = 20;
    static final long SEED = 20261122L;
    private static final int HIDDEN = 384;

    /** One sequence: token ids and attention mask (1 for the first {@code valid} tokens); token types all 0. */
    record Input(long[] ids, long[] mask, int valid) {
    }

    private final List<Input> inputs;
    private final int intraOpThreads;
    private final int interOpThreads;

    TokenAccuracy(int intraOpThreads, int interOpThreads) {
        this.inputs = inputs(INPUTS, SEED);
        this.intraOpThreads = intraOpThreads;
        this.interOpThreads = interOpThreads;
    }

    /** The optimizer tests' inputs: {@code count} sequences of 8 to 128 tokens, the tail of each padded. */
    static List<Input> inputs(int count, long seed) {
        Random random = new Random(seed);
        List<Input> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = 8 + random.nextInt(121);
            int valid = Math.max(3, length - random.nextInt(length / 4 + 1));
            long[] ids = new long[length];
            long[] mask = new long[length];
            for (int t = 0; t < valid; t++) {
                ids[t] = t == 0 ? 101 : t == valid - 1 ? 102 : 1000 + random.nextInt(29000);
                mask[t] = 1;
            }
            out.add(new Input(ids, mask, valid));
        }
        return out;
    }

    /** The valid tokens' embeddings ({@code valid * 384} floats) of every input, from the model's first output. */
    List<float[]> embeddings(Path model) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<float[]> out = new ArrayList<>();
        try (SessionOptions options = RawOrtPath.sessionOptions(intraOpThreads, interOpThreads);
                OrtSession session = env.createSession(model.toString(), options)) {
            String output = RawOrtPath.firstOutput(session);
            for (Input in : inputs) {
                long[] shape = {1, in.ids().length};
                try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(in.ids()), shape);
                        OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(in.mask()), shape);
                        OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[in.ids().length]),
                                shape);
                        OrtSession.Result result = session.run(Map.of(BenchInput.INPUT_NAMES[0], ids,
                                BenchInput.INPUT_NAMES[1], mask, BenchInput.INPUT_NAMES[2], types))) {
                    FloatBuffer data = ((OnnxTensor) result.get(output).orElseThrow()).getFloatBuffer();
                    float[] valid = new float[in.valid() * HIDDEN];
                    data.get(valid);
                    out.add(valid);
                }
            }
        }
        return out;
    }

    /** Mean and minimum over all valid tokens of all inputs of the cosine between reference and variant. */
    static double[] meanAndMinCosine(List<float[]> reference, List<float[]> variant) {
        double sum = 0;
        double min = 1;
        int n = 0;
        for (int i = 0; i < reference.size(); i++) {
            float[] a = reference.get(i);
            float[] b = variant.get(i);
            if (a.length != b.length) {
                throw new IllegalStateException("input " + i + ": " + a.length + " floats against " + b.length);
            }
            for (int off = 0; off < a.length; off += HIDDEN) {
                double c = cosine(a, b, off);
                sum += c;
                min = Math.min(min, c);
                n++;
            }
        }
        return new double[] {sum / n, min};
    }

    private static double cosine(float[] a, float[] b, int offset) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = offset; i < offset + HIDDEN; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? (na == nb ? 1 : 0) : dot / Math.sqrt(na * nb);
    }
}
