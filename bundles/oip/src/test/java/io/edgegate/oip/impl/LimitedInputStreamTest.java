package io.edgegate.oip.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class LimitedInputStreamTest {

    /** An endless body that counts what was taken from it. */
    static final class Endless extends InputStream {
        long served;

        @Override
        public int read() {
            served++;
            return 'a';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) 'a');
            served += len;
            return len;
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void bodyOfExactlyTheLimitIsReadWhole() throws IOException {
        byte[] body = bytes(1000);
        try (InputStream in = new LimitedInputStream(new ByteArrayInputStream(body), 1000)) {
            assertArrayEquals(body, in.readAllBytes());
        }
    }

    @Test
    void oneByteTooManyIsRefused() {
        InputStream in = new LimitedInputStream(new ByteArrayInputStream(bytes(1001)), 1000);

        LimitedInputStream.TooLarge e = assertThrows(LimitedInputStream.TooLarge.class, in::readAllBytes);
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
    }

    @Test
    void singleByteReadsAreCountedToo() throws IOException {
        InputStream in = new LimitedInputStream(new ByteArrayInputStream(bytes(11)), 10);
        for (int i = 0; i < 10; i++) {
            assertEquals(i, in.read());
        }
        assertThrows(LimitedInputStream.TooLarge.class, in::read);
    }

    @Test
    void endlessBodyIsReadNoFurtherThanTheLimit() {
        Endless endless = new Endless();
        InputStream in = new LimitedInputStream(endless, 100_000);

        assertThrows(LimitedInputStream.TooLarge.class, in::readAllBytes);
        assertTrue(endless.served <= 100_001, "read " + endless.served + " bytes of a 100000-byte limit");
    }

    @Test
    void endlessBodyWithLargeBufferReads() {
        Endless endless = new Endless();
        InputStream in = new LimitedInputStream(endless, 10);

        assertThrows(LimitedInputStream.TooLarge.class, () -> in.read(new byte[1 << 16], 0, 1 << 16));
        assertTrue(endless.served <= 11, "read " + endless.served + " bytes of a 10-byte limit");
    }

    /**
     * An operator who sets the limit to Long.MAX_VALUE ("no limit") must still be able to send a body. The
     * timeout guards the build: a read that returns 0 forever would spin here.
     */
    @Test
    void hugeLimitStillReads() {
        byte[] body = bytes(50);
        byte[] read = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            try (InputStream in = new LimitedInputStream(new ByteArrayInputStream(body), Long.MAX_VALUE)) {
                return in.readAllBytes();
            }
        }, "reading a 50-byte body under a Long.MAX_VALUE limit did not finish");
        assertArrayEquals(body, read);
    }
}
