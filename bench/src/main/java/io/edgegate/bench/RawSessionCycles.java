package io.edgegate.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The raw ONNX Runtime baseline for memory across swaps: in a JVM of its own, the session life cycle the
 * gateway goes through on every swap, repeated: create a session with the CPU provider's settings, run it
 * once (the warm-up), close the session it replaces, run it a few times from a fixed pool of threads. The
 * resident memory after a number of cycles says how much ONNX Runtime and the C allocator keep by
 * themselves, so the gateway's growth can be read against it.
 */
public final class RawSessionCycles {
    private static final String RSS_LINE = "rss ";

    private RawSessionCycles() {
    }

    /**
     * Runs the cycles in a new JVM (the bench's own Java and class path) and returns its VmRSS, in bytes,
     * after each checkpoint number of cycles.
     *
     * @param javaOptions the gateway's JVM options: with the JVM's defaults instead (G1, a quarter of the
     *        machine's memory as heap) the Java heap alone grows by hundreds of MB over the cycles
     */
    static Map<Integer, Long> measure(List<String> javaOptions, Path model, int cycles, int threads,
            int runsPerThread, int... checkpoints) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                RawSessionCycles.class.getName(), model.toString(), Integer.toString(cycles),
                Integer.toString(threads), Integer.toString(runsPerThread)));
        Arrays.stream(checkpoints).forEach(c -> command.add(Integer.toString(c)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<Integer, Long> rss = new LinkedHashMap<>();
        StringBuilder other = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null;) {
                if (line.startsWith(RSS_LINE)) {
                    String[] f = line.split(" ");
                    rss.put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
                } else if (other.length() < 2000) {
                    other.append(line).append('\n');
                }
            }
        }
        if (!child.waitFor(60, TimeUnit.SECONDS) || child.exitValue() != 0) {
            child.destroyForcibly();
            throw new IOException("the raw session cycles failed: " + other);
        }
        return rss;
    }

    /** {@code model cycles threads runsPerThread checkpoint...}; prints {@code rss <cycle> <bytes>} lines. */
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int cycles = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        List<Integer> checkpoints = Arrays.stream(args, 4, args.length).map(Integer::valueOf).toList();
        BenchInput input = new BenchInput();
        long pid = ProcessHandle.current().pid();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        RawOrtPath current = null;
        try {
            for (int cycle = 1; cycle <= cycles; cycle++) {
                RawOrtPath next = new RawOrtPath(model, input, ServingBench.INTRA_OP_THREADS,
                        ServingBench.INTER_OP_THREADS);
                next.output();
                if (current != null) {
                    current.close();
                }
                current = next;
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    RawOrtPath serving = current;
                    work.add(pool.submit(() -> {
                        for (int i = 0; i < runs; i++) {
                            serving.output();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
                if (checkpoints.contains(cycle)) {
                    System.out.println(RSS_LINE + cycle + " " + BenchSupport.rssBytes(pid));
                }
            }
        } finally {
            if (current != null) {
                current.close();
            }
            pool.shutdown();
        }
    }
}
