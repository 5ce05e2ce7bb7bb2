package io.edgegate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How much CPU other processes used over an interval: the machine's busy time ({@code /proc/stat}) less this
 * process's ({@code /proc/self/stat}), both in clock ticks. The load average cannot tell that: it counts the bench's
 * own threads, and right after {@code run.sh} also the Maven build that started it.
 */
final class OtherLoad {
    private final long machineBusy;
    private final long machineTotal;
    private final long self;
    private final int cpus;

    private OtherLoad(long machineBusy, long machineTotal, long self, int cpus) {
        this.machineBusy = machineBusy;
        this.machineTotal = machineTotal;
        this.self = self;
        this.cpus = cpus;
    }

    /** Now; {@code null} where {@code /proc} cannot be read. */
    static OtherLoad sample() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] cpu = lines.get(0).trim().split("\\s+");
            int cpus = (int) lines.stream().filter(l -> l.matches("cpu\\d+ .*")).count();
            long total = 0;
            for (int i = 1; i < cpu.length && i <= 8; i++) { // user .. steal; guest time is already in user
                total += Long.parseLong(cpu[i]);
            }
            long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]); // idle, iowait
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name, which is in parentheses and may contain spaces: utime is the 14th field.
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long self = Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
            return new OtherLoad(total - idle, total, self, cpus);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Cores' worth of CPU that other processes kept busy from {@code before} to {@code after}; NaN if unknown. */
    static double otherCores(OtherLoad before, OtherLoad after) {
        if (before == null || after == null || after.machineTotal <= before.machineTotal) {
            return Double.NaN;
        }
        long others = (after.machineBusy - before.machineBusy) - (after.self - before.self);
        return Math.max(0, others) * (double) after.cpus / (after.machineTotal - before.machineTotal);
    }
}
