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
        return measure(labels, paths, warmup, iterations, block, 0);
    }

    /**
     * {@link #measure(List, List, int, int, int)} with {@code settle} untimed calls at the start of every block: the
     * first calls after a switch pay for the switch itself (with ONNX Runtime's spinning thread pools, several
     * sessions in one process slow each other for a few calls), which a model served on its own never does.
     */
    static List<Latencies> measure(List<String> labels, List<ServingPath> paths, int warmup, int iterations,
            int block, int settle) throws Exception {
        long[][] nanos = timeInBlocks(paths, warmup, iterations, block, settle);
        List<Latencies> out = new ArrayList<>();
        for (int p = 0; p < paths.size(); p++) {
            out.add(new Latencies(labels.get(p), nanos[p]));
        }
        return out;
    }

    /**
     * What {@link #measure(List, List, int, int, int, int)} measures, unsorted: {@code [path][call]} in nanoseconds,
     * calls {@code r * block} to {@code (r + 1) * block - 1} of every path taken in round {@code r}, one path right
     * after the other; so a path's block can be set against another's of the same round.
     */
    static long[][] timeInBlocks(List<ServingPath> paths, int warmup, int iterations, int block, int settle)
            throws Exception {
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
                for (int i = 0; i < settle; i++) {
                    path.call();
                }
                for (int i = start; i < end; i++) {
                    long t0 = System.nanoTime();
                    path.call();
                    nanos[p][i] = System.nanoTime() - t0;
                }
            }
        }
        return nanos;
    }
}
