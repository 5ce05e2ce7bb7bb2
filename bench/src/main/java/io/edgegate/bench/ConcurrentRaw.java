package io.edgegate.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The raw ONNX Runtime baseline under the same concurrency as the HTTP clients: several threads calling
 * {@link RawOrtPath#output()} on one shared session for a fixed time.
 */
final class ConcurrentRaw {

    private ConcurrentRaw() {
    }

    /** Warms up for {@code warmup}, then records every call of every thread for {@code measured}. */
    static Latencies measure(String label, RawOrtPath raw, int threads, Duration warmup, Duration measured)
            throws Exception {
        long startAt = System.nanoTime() + warmup.toNanos();
        long stopAt = startAt + measured.toNanos();
        AtomicReference<Exception> failed = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        long[][] nanos = new long[threads][];
        int[] counts = new int[threads];
        for (int i = 0; i < threads; i++) {
            int me = i;
            Thread t = new Thread(() -> {
                long[] mine = new long[1024];
                int n = 0;
                try {
                    while (failed.get() == null) {
                        long t0 = System.nanoTime();
                        if (t0 >= stopAt) {
                            break;
                        }
                        raw.output();
                        long t1 = System.nanoTime();
                        if (t0 >= startAt) {
                            if (n == mine.length) {
                                mine = Arrays.copyOf(mine, n * 2);
                            }
                            mine[n++] = t1 - t0;
                        }
                    }
                } catch (Exception e) {
                    failed.compareAndSet(null, e);
                }
                nanos[me] = mine;
                counts[me] = n;
            }, "raw-ort-" + i);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        for (int i = 0, at = 0; i < threads; i++) {
            System.arraycopy(nanos[i], 0, all, at, counts[i]);
            at += counts[i];
        }
        return new Latencies(label, all);
    }
}
