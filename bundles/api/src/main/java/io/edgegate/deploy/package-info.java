/**
 * Verified installation of bundles: a bundle is installed or updated only from the gateway's private copy of a
 * jar whose signed manifest verified (see {@code io.edgegate.trust} and docs/signing.md), and a version that
 * does not start is rolled back.
 */
@Export
@Version("1.1.0")
package io.edgegate.deploy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
