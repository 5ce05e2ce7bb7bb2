package io.edgegate.inference.impl;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * The one owner of an {@link OrtSession}. Requests {@link #acquire()} it and {@link #release()} it;
 * {@link #retire()} stops new requests and the session is closed, exactly once, when the last running
 * request releases it. So a swap or a bundle stop never frees a session that a request is still using.
 */
final class SessionHandle {
    private static final Logger LOG = LoggerFactory.getLogger(SessionHandle.class);

    private final OrtSession session;
    private final String label;
    private final Runnable onClosed;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private int users;
    private boolean retired;
    private boolean closed;

    /** @param onClosed runs once, right after the session is closed */
    SessionHandle(OrtSession session, String label, Runnable onClosed) {
        this.session = session;
        this.label = label;
        this.onClosed = onClosed;
    }

    /** @return the session, or {@code null} if the handle is retired */
    synchronized OrtSession acquire() {
        if (retired) {
            return null;
        }
        users++;
        return session;
    }

    void release() {
        boolean close;
        synchronized (this) {
            if (users <= 0) {
                throw new IllegalStateException("release without acquire on " + label);
            }
            users--;
            close = retired && users == 0 && !closed;
            closed |= close;
        }
        if (close) {
            closeNow();
        }
    }

    /** No new requests; closes now if idle, else when the last request releases. Idempotent. */
    void retire() {
        boolean close;
        synchronized (this) {
            retired = true;
            close = users == 0 && !closed;
            closed |= close;
        }
        if (close) {
            closeNow();
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Waits until the session is closed; {@code false} if it was still in use after the timeout. */
    boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
        return closedLatch.await(timeout, unit);
    }

    String label() {
        return label;
    }

    private void closeNow() {
        try {
            session.close();
            LOG.debug("Closed session of {}", label);
        } catch (OrtException e) {
            LOG.warn("Closing the session of {} failed: {}", label, e.getMessage());
        } finally {
            closedLatch.countDown();
            onClosed.run();
        }
    }
}
