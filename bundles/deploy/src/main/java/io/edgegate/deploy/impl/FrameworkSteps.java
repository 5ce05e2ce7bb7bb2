package io.edgegate.deploy.impl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

/** The framework operations a deployment waits for, and one-line descriptions of what went wrong. */
final class FrameworkSteps {
    private final FrameworkWiring wiring;
    private final long refreshTimeoutMillis;

    FrameworkSteps(FrameworkWiring wiring, long refreshTimeoutMillis) {
        this.wiring = wiring;
        this.refreshTimeoutMillis = refreshTimeoutMillis;
    }

    /**
     * Refreshes {@code bundle} and whatever is wired to it, and waits until the framework is done: bundles that
     * were active are started again by the refresh itself.
     */
    void refresh(Bundle bundle) throws BundleException {
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(List.of(bundle), event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        try {
            if (!done.await(refreshTimeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new BundleException("the package refresh did not finish in " + refreshTimeoutMillis / 1000
                        + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BundleException("interrupted while waiting for the package refresh", e);
        }
    }

    /** {@code bundle} and every bundle that is wired to it, directly or not. */
    Collection<Bundle> dependencyClosure(Bundle bundle) {
        return wiring.getDependencyClosure(List.of(bundle));
    }

    /** The bundles wired to {@code bundle}, directly or not, that are active now. */
    List<Bundle> activeDependents(Bundle bundle) {
        List<Bundle> active = new ArrayList<>();
        for (Bundle b : dependencyClosure(bundle)) {
            if (!b.equals(bundle) && b.getState() == Bundle.ACTIVE) {
                active.add(b);
            }
        }
        return active;
    }

    /** The messages of an exception and its causes on one line, each cause once, named by its type. */
    static String describe(Throwable e) {
        Set<String> parts = new LinkedHashSet<>();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 6; t = t.getCause(), depth++) {
            String message = t.getMessage() == null ? "" : t.getMessage().strip();
            if (!message.isEmpty() && parts.stream().anyMatch(p -> p.contains(message))) {
                continue; // a wrapper that repeats its cause's message
            }
            String part = t != e && !(t instanceof BundleException)
                    ? (t.getClass().getSimpleName() + " " + message).strip() : message;
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        if (parts.isEmpty()) {
            parts.add(e.getClass().getSimpleName());
        }
        return String.join(": ", parts).replaceAll("\\s+", " ").strip();
    }
}
