package io.edgegate.inference.impl;

import java.util.concurrent.atomic.AtomicLong;

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
    /** Sessions closed in this process, for tests and diagnostics. */
    static final AtomicLong CLOSED = new AtomicLong();

    private final OrtSession session;
    private final String label;
    private int users;
    private boolean retired;
    private boolean closed;

    SessionHandle(OrtSession session, String label) {
        this.session = session;
        this.label = label;
    }

    /** @return the session, or {@code null} if the handle is retired */
    synchronized OrtSession acquire() {
        if (retired) {
            return null;
        }
        users++;
        return session;
    }

    synchronized void release() {
        if (users <= 0) {
            throw new IllegalStateException("release without acquire on " + label);
        }
        users--;
        if (retired && users == 0) {
            closeNow();
        }
    }

    /** No new requests; closes now if idle, else when the last request releases. Idempotent. */
    synchronized void retire() {
        retired = true;
        if (users == 0) {
            closeNow();
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
            CLOSED.incrementAndGet();
            LOG.debug("Closed session of {}", label);
        } catch (OrtException e) {
            LOG.warn("Closing the session of {} failed: {}", label, e.getMessage());
        }
    }
}
