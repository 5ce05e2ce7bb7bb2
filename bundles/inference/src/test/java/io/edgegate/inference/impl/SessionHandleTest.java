package io.edgegate.inference.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.edgegate.testkit.OnnxModelBuilder;

/** A retired session closes once, and only when the last request that holds it lets go. */
class SessionHandleTest {
    private final java.util.concurrent.atomic.AtomicLong closed = new java.util.concurrent.atomic.AtomicLong();

    @TempDir
    Path dir;

    private OrtSession session() throws Exception {
        Path file = new OnnxModelBuilder()
                .input("x", OnnxModelBuilder.FLOAT, -1)
                .output("y", OnnxModelBuilder.FLOAT, -1)
                .node("Identity", List.of("x"), List.of("y"))
                .write(dir.resolve("model.onnx"));
        return OrtEnvironment.getEnvironment().createSession(file.toString(), new OrtSession.SessionOptions());
    }

    private static float[] run(OrtSession session, float... values) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor x = OnnxTensor.createTensor(env, values);
                OrtSession.Result r = session.run(Map.of("x", x))) {
            return (float[]) r.get(0).getValue();
        }
    }

    @Test
    void retiredWhileInUseClosesOnlyAfterRelease() throws Exception {
        SessionHandle handle = new SessionHandle(session(), "test/1@cpu", closed::incrementAndGet);
        long before = closed.get();

        OrtSession held = handle.acquire();
        assertNotNull(held);
        handle.retire();

        assertFalse(handle.isClosed());
        assertEquals(before, closed.get());
        assertNull(handle.acquire(), "a retired handle must not hand out its session");
        // The request that holds the session can still use it.
        assertEquals(3f, run(held, 3f)[0]);

        handle.release();

        assertTrue(handle.isClosed());
        assertEquals(before + 1, closed.get());
        handle.retire();
        assertEquals(before + 1, closed.get());
    }

    @Test
    void closesWhenTheLastOfSeveralUsersReleases() throws Exception {
        SessionHandle handle = new SessionHandle(session(), "test/1@cpu", closed::incrementAndGet);
        long before = closed.get();
        OrtSession first = handle.acquire();
        assertSame(first, handle.acquire());

        handle.retire();
        handle.release();
        assertFalse(handle.isClosed());
        handle.release();

        assertTrue(handle.isClosed());
        assertEquals(before + 1, closed.get());
    }

    @Test
    void idleHandleClosesAtOnce() throws Exception {
        SessionHandle handle = new SessionHandle(session(), "test/1@cpu", closed::incrementAndGet);
        long before = closed.get();
        handle.acquire();
        handle.release();
        assertFalse(handle.isClosed());

        handle.retire();

        assertTrue(handle.isClosed());
        assertEquals(before + 1, closed.get());
    }

    @Test
    void releaseWithoutAcquireIsAnError() throws Exception {
        SessionHandle handle = new SessionHandle(session(), "test/1@cpu", closed::incrementAndGet);
        try {
            assertThrows(IllegalStateException.class, handle::release);
        } finally {
            handle.retire();
        }
    }
}
