package io.edgegate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells whether an inference response is right, cheaply enough to check every answer under load. Every
 * version in the swap bench is the same model on the same input, so every right answer is the same bytes but
 * for its {@code model_version}. The first answer is decoded in full and compared with raw ONNX Runtime; later
 * answers are compared byte for byte with it around the version, and only an answer that differs there is
 * decoded again and compared with raw ONNX Runtime (a float within {@link #AGREE} counts as right).
 */
final class ResponseCheck {
    /** Outputs closer than this count as the same: only float rounding separates them. */
    static final double AGREE = 1e-4;
    private static final byte[] VERSION_FIELD = "\"model_version\"".getBytes(StandardCharsets.US_ASCII);

    /** A checked answer: the version that says it answered, or why the answer is wrong. */
    record Outcome(long version, String failure) {
        boolean ok() {
            return failure == null;
        }
    }

    /** The first right answer, split around its version. */
    private record Reference(byte[] body, int versionStart, int versionEnd) {
    }

    private final float[] expected;
    private volatile Reference reference;
    private final AtomicLong decoded = new AtomicLong();

    /** @param expected the output {@code last_hidden_state} of raw ONNX Runtime on the same input */
    ResponseCheck(float[] expected) {
        this.expected = expected.clone();
    }

    Outcome check(byte[] body) {
        int[] span = versionSpan(body);
        if (span == null) {
            return new Outcome(-1, "no model_version in the response: " + snippet(body));
        }
        long version;
        try {
            version = Long.parseLong(new String(body, span[0], span[1] - span[0], StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return new Outcome(-1, "model_version is not a number: " + snippet(body));
        }
        Reference ref = reference;
        if (ref != null && Arrays.equals(body, 0, span[0], ref.body(), 0, ref.versionStart())
                && Arrays.equals(body, span[1], body.length, ref.body(), ref.versionEnd(), ref.body().length)) {
            return new Outcome(version, null);
        }
        decoded.incrementAndGet();
        float[] output;
        try {
            output = BenchInput.oipOutput(body);
        } catch (IOException | RuntimeException e) {
            return new Outcome(version, "output unreadable (" + e.getMessage() + "): " + snippet(body));
        }
        double diff = BenchInput.maxAbsDiff(expected, output);
        if (!(diff <= AGREE)) {
            return new Outcome(version, "wrong output from version " + version + ": max |diff| against raw "
                    + "ONNX Runtime " + diff + " (" + output.length + " floats)");
        }
        if (ref == null) {
            reference = new Reference(body, span[0], span[1]);
        }
        return new Outcome(version, null);
    }

    /** Answers that were not byte-identical to the first one and were decoded (all agreed or were failures). */
    long decodedCount() {
        return decoded.get();
    }

    /** Where the value of {@code "model_version"} lies, without its quotes; {@code null} if absent. */
    private static int[] versionSpan(byte[] body) {
        int at = indexOf(body, VERSION_FIELD, Math.min(body.length, 4096));
        if (at < 0) {
            return null;
        }
        int i = at + VERSION_FIELD.length;
        while (i < body.length && (body[i] == ' ' || body[i] == ':' || body[i] == '"')) {
            i++;
        }
        int start = i;
        while (i < body.length && body[i] >= '0' && body[i] <= '9') {
            i++;
        }
        return i == start ? null : new int[] {start, i};
    }

    private static int indexOf(byte[] body, byte[] what, int limit) {
        outer:
        for (int i = 0; i + what.length <= limit; i++) {
            for (int j = 0; j < what.length; j++) {
                if (body[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static String snippet(byte[] body) {
        return new String(body, 0, Math.min(300, body.length), StandardCharsets.UTF_8);
    }
}
