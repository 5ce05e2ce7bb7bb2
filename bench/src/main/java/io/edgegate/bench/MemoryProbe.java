package io.edgegate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads the gateway's resident memory with no requests running, and tells apart what the JVM would give back
 * (a full GC, asked for with {@code jcmd}) and what the C allocator keeps although it is free
 * ({@code malloc_trim(0)} called in the gateway through {@code gdb}): memory that comes back that way was
 * retained, not leaked. Either probe is skipped, and said so, where its tool is missing or may not attach.
 */
final class MemoryProbe {
    /** How long the gateway is left without requests before its resident memory is read. */
    static final Duration IDLE = Duration.ofSeconds(3);
    private static final Duration SETTLE = Duration.ofSeconds(1);
    private static final long TOOL_SECONDS = 60;

    /** VmRSS in bytes: idle, after a full GC, after {@code malloc_trim(0)}; {@code -1} where not probed. */
    record Rss(long idle, long afterGc, long afterTrim) {
    }

    private MemoryProbe() {
    }

    /**
     * @param trim also call {@code malloc_trim(0)}, which changes what the gateway holds from then on: only for
     *        the last reading of a run
     */
    static Rss idle(GatewayProcess gateway, boolean trim) throws IOException, InterruptedException {
        Thread.sleep(IDLE.toMillis());
        long idle = gateway.rssBytes();
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        long afterGc = -1;
        if (Files.isExecutable(jcmd) && run(List.of(jcmd.toString(), Long.toString(gateway.pid()), "GC.run"))) {
            Thread.sleep(SETTLE.toMillis());
            afterGc = gateway.rssBytes();
        }
        long afterTrim = -1;
        Path gdb = onPath("gdb");
        // A JVM uses SIGSEGV itself (null checks, safepoints): gdb must pass it on rather than stop on it.
        if (trim && gdb != null && run(List.of(gdb.toString(), "-nx", "-q", "-batch", "-p",
                Long.toString(gateway.pid()), "-ex", "handle SIGSEGV nostop noprint pass",
                "-ex", "call (int) malloc_trim(0)"))) {
            Thread.sleep(SETTLE.toMillis());
            afterTrim = gateway.rssBytes();
        }
        return new Rss(idle, afterGc, afterTrim);
    }

    private static boolean run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(TOOL_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return false;
        }
        return p.exitValue() == 0;
    }

    private static Path onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
