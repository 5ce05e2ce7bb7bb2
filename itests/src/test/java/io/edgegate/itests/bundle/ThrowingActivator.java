package io.edgegate.itests.bundle;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** Packed into a test bundle whose start must fail: the deploy path has to roll it back. */
public final class ThrowingActivator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("this bundle refuses to start");
    }

    @Override
    public void stop(BundleContext context) {
    }
}
