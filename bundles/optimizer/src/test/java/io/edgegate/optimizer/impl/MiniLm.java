package io.edgegate.optimizer.impl;

import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/** all-MiniLM-L6-v2 inputs (seeded random token ids with padding) and its token embeddings. */
final class MiniLm {
    static final String FP32 = "all-minilm-l6-v2.onnx";
    static final String INT8_REFERENCE = "all-minilm-l6-v2-q.onnx";
    static final int HIDDEN = 384;

    /** One sequence: ids, attention mask (1 for the first {@code valid} tokens), token types (all 0). */
    record Input(long[] ids, long[] mask, int valid) {
        int length() {
            return ids.length;
        }
    }

    private MiniLm() {
    }

    /** {@code count} sequences of 8 to 128 tokens, the tail of each padded and masked out. */
    static List<Input> inputs(int count, long seed) {
        Random random = new Random(seed);
        List<Input> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = 8 + random.nextInt(121);
            int valid = Math.max(3, length - random.nextInt(length / 4 + 1));
            out.add(sequence(length, valid, random));
        }
        return out;
    }

    static Input sequence(int length, int valid, Random random) {
        long[] ids = new long[length];
        long[] mask = new long[length];
        for (int t = 0; t < valid; t++) {
            ids[t] = t == 0 ? 101 : t == valid - 1 ? 102 : 1000 + random.nextInt(29000);
            mask[t] = 1;
        }
        return new Input(ids, mask, valid);
    }

    /** The token embeddings of the valid tokens, {@code [valid * 384]}, from output {@code output}. */
    static float[] embed(OrtSession session, Input in, String output) throws OrtException {
        try (Tensors3 t = new Tensors3(in); OrtSession.Result r = session.run(t.map())) {
            OnnxValue v = r.get(output).orElseThrow();
            float[] all = new float[in.length() * HIDDEN];
            ((OnnxTensor) v).getFloatBuffer().get(all);
            float[] valid = new float[in.valid() * HIDDEN];
            System.arraycopy(all, 0, valid, 0, valid.length);
            return valid;
        }
    }

    /** Mean over all valid tokens of all inputs of the cosine between reference and variant embeddings. */
    static double[] meanAndMinCosine(List<float[]> reference, List<float[]> variant) {
        double sum = 0;
        double min = 1;
        int n = 0;
        for (int i = 0; i < reference.size(); i++) {
            float[] a = reference.get(i);
            float[] b = variant.get(i);
            for (int off = 0; off < a.length; off += HIDDEN) {
                double c = OrtHarness.cosine(a, off, b, off, HIDDEN);
                sum += c;
                min = Math.min(min, c);
                n++;
            }
        }
        return new double[] {sum / n, min};
    }

    /** The three input tensors of one sequence (batch 1), closed together. */
    static final class Tensors3 implements AutoCloseable {
        private final OnnxTensor ids;
        private final OnnxTensor mask;
        private final OnnxTensor types;

        Tensors3(Input in) throws OrtException {
            long[] shape = {1, in.length()};
            ids = OnnxTensor.createTensor(OrtHarness.ENV, LongBuffer.wrap(in.ids()), shape);
            mask = OnnxTensor.createTensor(OrtHarness.ENV, LongBuffer.wrap(in.mask()), shape);
            types = OnnxTensor.createTensor(OrtHarness.ENV, LongBuffer.wrap(new long[in.length()]), shape);
        }

        Map<String, OnnxTensor> map() {
            return Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types);
        }

        @Override
        public void close() {
            ids.close();
            mask.close();
            types.close();
        }
    }
}
