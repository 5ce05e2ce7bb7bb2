package io.edgegate.bench;

import java.util.ArrayList;
import java.util.List;

/** One way of running the bench input through the model. */
interface ServingPath {

    /** Runs the input once and returns the output {@code last_hidden_state} as floats. */
    float[] output() throws Exception;

    /** One timed call; by default {@link #output()}, so reading the floats is part of the cost. */
    default void call() throws Exception {
        output();
    }

    /**
     * Warms every path up, then measures them in alternating blocks so that drift over the run (other
     * load on the machine, frequency changes) falls on all of them alike rather than on whichever ran last.
     * Every other round runs the paths in reverse order, so that none always follows the same other one
     * (whose thread pool may still be spinning down).
     *
     * @return one result per path, in the order given
     */
    static List<Latencies> measure(List<String> labels, List<ServingPath> paths, int warmup, int iterations,
            int block) throws Exception {
        for (ServingPath path : paths) {
            for (int i = 0; i < warmup; i++) {
                path.call();
            }
        }
        long[][] nanos = new long[paths.size()][iterations];
        for (int start = 0, round = 0; start < iterations; start += block, round++) {
            int end = Math.min(iterations, start + block);
            for (int k = 0; k < paths.size(); k++) {
                int p = round % 2 == 0 ? k : paths.size() - 1 - k;
                ServingPath path = paths.get(p);
                for (int i = start; i < end; i++) {
                    long t0 = System.nanoTime();
                    path.call();
                    nanos[p][i] = System.nanoTime() - t0;
                }
            }
        }
        List<Latencies> out = new ArrayList<>();
        for (int p = 0; p < paths.size(); p++) {
            out.add(new Latencies(labels.get(p), nanos[p]));
        }
        return out;
    }
}
