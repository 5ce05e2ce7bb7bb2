package io.edgegate.mqtt.impl;

import java.util.concurrent.atomic.AtomicReference;

import io.edgegate.deploy.BundleDeployer;
import io.edgegate.inference.InferenceService;
import io.edgegate.optimizer.ModelOptimizer;
import io.edgegate.store.ModelStore;
import io.edgegate.trust.ArtifactVerifier;

/**
 * The services the operations use, as they come and go. They are dynamic on purpose: the operations channel must
 * stay up while the bundles it manages are updated (an update of the inference bundle through
 * {@code bundles/update} would otherwise stop this component in the middle of that very request). An operation
 * whose service is missing is answered 503.
 */
final class Services {
    final AtomicReference<InferenceService> inference = new AtomicReference<>();
    final AtomicReference<ModelStore> store = new AtomicReference<>();
    final AtomicReference<ArtifactVerifier> verifier = new AtomicReference<>();
    final AtomicReference<BundleDeployer> deployer = new AtomicReference<>();
    final AtomicReference<ModelOptimizer> optimizer = new AtomicReference<>();

    InferenceService inference() throws OpException {
        return require(inference, "the inference service");
    }

    ModelStore store() throws OpException {
        return require(store, "the model store");
    }

    ArtifactVerifier verifier() throws OpException {
        return require(verifier, "the trust bundle's verifier");
    }

    BundleDeployer deployer() throws OpException {
        return require(deployer, "the bundle deployer (feature gateway-deploy)");
    }

    ModelOptimizer optimizer() throws OpException {
        return require(optimizer, "the optimizer (feature gateway-optimizer)");
    }

    private static <T> T require(AtomicReference<T> ref, String what) throws OpException {
        T t = ref.get();
        if (t == null) {
            throw new OpException(503, what + " is not running");
        }
        return t;
    }
}
