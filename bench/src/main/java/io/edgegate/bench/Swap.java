package io.edgegate.bench;

import java.time.Duration;

/**
 * One completed swap, its moments from {@link System#nanoTime()}.
 *
 * @param kind a new model version, or a new provider instance (its configuration edited)
 * @param version the version serving after the swap
 * @param requestedNanos the drop-in (atomic rename of the version folder) or the edit of the provider's file
 * @param startNanos when the gateway began the swap: the drop-in for a version; for a provider, when the
 *        gateway's log showed the provider being restarted (Felix FileInstall polls the file every 2 s)
 * @param servedNanos the first answer carrying the new version; for a provider, when the log showed the
 *        model moved to the new provider instance (which instance answered is not visible over HTTP)
 * @param drainedNanos when the repository index showed the replaced session gone (closed) and only the new
 *        one READY
 */
record Swap(Kind kind, long version, long requestedNanos, long startNanos, long servedNanos, long drainedNanos) {

    enum Kind { VERSION, PROVIDER }

    /** How long after the new session first serves requests still count as "during the swap". */
    static final Duration AFTER_SERVED = Duration.ofSeconds(1);

    /** Requests overlapping {@code [windowStart, windowEnd)} count as made during the swap. */
    long windowStart() {
        return startNanos;
    }

    /** One second after the new session first served, or when the old one was gone if that is later. */
    long windowEnd() {
        return Math.max(servedNanos + AFTER_SERVED.toNanos(), drainedNanos);
    }

    /** Drop-in (or edit) to the first answer by (or move to) the new session, in seconds. */
    double toServedSeconds() {
        return (servedNanos - requestedNanos) / 1e9;
    }

    double toStartSeconds() {
        return (startNanos - requestedNanos) / 1e9;
    }

    double startToServedSeconds() {
        return (servedNanos - startNanos) / 1e9;
    }

    double toDrainedSeconds() {
        return (drainedNanos - requestedNanos) / 1e9;
    }
}
