package io.edgegate.itests;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fixed MiniLM inputs shared by the raw ONNX Runtime reference and the tests: token sequences of
 * several lengths, attention mask all ones, token types zero. Depends on nothing but the JDK, because it
 * is used both outside OSGi and inside the test probe.
 */
public final class MiniLmInputs {
    public static final String MODEL = "all-minilm-l6-v2-int8";
    public static final String RESOURCE = "/all-minilm-l6-v2-q.onnx";
    public static final int HIDDEN = 384;
    public static final List<Integer> LENGTHS = List.of(8, 32, 128);

    private MiniLmInputs() {
    }

    /** Token ids of case {@code i}: [CLS] ... [SEP] with deterministic word pieces between. */
    public static long[] tokens(int i) {
        int n = LENGTHS.get(i);
        long[] ids = new long[n];
        ids[0] = 101;
        ids[n - 1] = 102;
        long x = 12345 + i;
        for (int k = 1; k < n - 1; k++) {
            x = (x * 1103515245 + 12345) & 0x7fffffff;
            ids[k] = 1000 + x % 28000;
        }
        return ids;
    }

    public static long[] ones(int n) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    public static Path referenceFile(Path dir, int i) {
        return dir.resolve("minilm-" + i + ".f32");
    }

    /** The raw ONNX Runtime output of case {@code i}, written by {@link RawOrtReference}. */
    public static float[] reference(int i) throws IOException {
        Path dir = Path.of(System.getProperty("edgegate.reference"));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(referenceFile(dir, i))).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int k = 0; k < a.length; k++) {
            max = Math.max(max, Math.abs((double) a[k] - b[k]));
        }
        return max;
    }
}
