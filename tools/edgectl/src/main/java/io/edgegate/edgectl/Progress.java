package io.edgegate.edgectl;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Upload progress on stderr: a bar redrawn in place on a terminal (percentage, bytes, rate), otherwise a plain line per
 * 10 % so that logs stay readable; or nothing. Notes (retries, resumption) are lines of their own either way.
 */
final class Progress {
    /** {@code auto}: a bar on a terminal, lines otherwise. */
    enum Mode {
        AUTO, BAR, LINES, NONE
    }

    private static final int BAR_WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final Mode mode;
    private final PrintWriter err;
    private final String label;
    private final long total;
    private long startNanos;
    private long acknowledged;
    private long offset;
    private int lastDecile;
    private long lastDraw;
    private boolean barShown;

    Progress(Mode mode, PrintWriter err, String label, long total) {
        this.mode = mode == Mode.AUTO ? (System.console() != null ? Mode.BAR : Mode.LINES) : mode;
        this.err = err;
        this.label = label;
        this.total = total;
    }

    /** The upload starts (or resumes) at {@code offset}; the rate counts bytes sent from now on. */
    void start(long offset) {
        this.startNanos = System.nanoTime();
        this.offset = offset;
        this.lastDecile = decile(offset);
        draw(true);
    }

    /** The gateway holds {@code offset} bytes now (it may go back after a resumption). */
    void update(long newOffset) {
        if (newOffset > offset) {
            acknowledged += newOffset - offset;
        }
        offset = newOffset;
        if (mode == Mode.LINES) {
            int d = decile(offset);
            if (d > lastDecile) {
                lastDecile = d;
                line(status());
            }
        } else {
            draw(offset >= total);
        }
    }

    /** A line of its own (a retry, a resumption), below the bar. */
    void note(String message) {
        if (mode == Mode.NONE) {
            return;
        }
        clearBar();
        line(message);
        draw(true);
    }

    /** The upload is over, one way or the other: the bar's line is finished. */
    void finish() {
        if (mode == Mode.BAR && barShown) {
            draw(true);
            err.println();
            err.flush();
            barShown = false;
        }
    }

    private void draw(boolean force) {
        if (mode != Mode.BAR) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        int filled = total == 0 ? BAR_WIDTH : (int) (BAR_WIDTH * offset / total);
        err.print("\r" + label + " [" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] " + status()
                + "   ");
        err.flush();
        barShown = true;
    }

    private void clearBar() {
        if (mode == Mode.BAR && barShown) {
            err.print("\r" + " ".repeat(label.length() + BAR_WIDTH + 60) + "\r");
            barShown = false;
        }
    }

    private void line(String message) {
        err.println(mode == Mode.LINES ? label + ": " + message : message);
        err.flush();
    }

    /** "42% 9.7 MiB of 23.0 MiB, 4.1 MiB/s". */
    private String status() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        String rate = seconds < 0.05 || acknowledged == 0 ? "" : ", " + bytes((long) (acknowledged / seconds)) + "/s";
        return String.format(Locale.ROOT, "%3d%% %s of %s%s", percent(offset), bytes(offset), bytes(total), rate);
    }

    private int percent(long at) {
        return total == 0 ? 100 : (int) (100 * at / total);
    }

    private int decile(long at) {
        return percent(at) / 10;
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", n / (1024.0 * 1024 * 1024));
    }
}
