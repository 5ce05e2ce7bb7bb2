/**
 * Signature verification of everything the gateway installs: models, bundles and trust roots. The format is
 * described in docs/signing.md.
 */
@Export
@Version("1.1.0")
package io.edgegate.trust;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
