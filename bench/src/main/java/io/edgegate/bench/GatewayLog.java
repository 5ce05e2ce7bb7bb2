package io.edgegate.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's console output (logback: {@code HH:mm:ss.SSS LEVEL Logger - message}), read as it grows.
 * Some moments of a swap are only visible there: when the CPU provider was restarted, when a model moved
 * to the new provider instance.
 */
final class GatewayLog {
    private final Path file;
    private final List<String> lines = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private long offset;

    GatewayLog(Path file) {
        this.file = file;
    }

    /** Lines containing {@code text}, reading what was written since the last call first. */
    synchronized int count(String text) throws IOException {
        readNew();
        int n = 0;
        for (String line : lines) {
            if (line.contains(text)) {
                n++;
            }
        }
        return n;
    }

    /** Log lines at WARN or ERROR (stack-trace lines after them are left out). */
    synchronized List<String> problems() throws IOException {
        readNew();
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            if (line.contains(" WARN ") || line.contains(" ERROR ")) {
                out.add(line);
            }
        }
        return out;
    }

    private void readNew() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= offset) {
                return;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size - offset, Integer.MAX_VALUE - 8));
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                // read until the buffer is full
            }
            offset += buf.position();
            // Log lines are ASCII but for model names and paths; a split multi-byte char only garbles one line.
            partial.append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        }
        int start = 0;
        for (int i = 0; i < partial.length(); i++) {
            if (partial.charAt(i) == '\n') {
                lines.add(partial.substring(start, i));
                start = i + 1;
            }
        }
        partial.delete(0, start);
    }
}
