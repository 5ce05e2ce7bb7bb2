/**
 * The signed-artifact format of docs/signing.md, for reading and for writing: DSSE envelopes and their PAE,
 * manifest and trust-root payloads with strict parsing, key ids, Ed25519 keys and signatures, and detached CMS
 * signatures chained to pinned anchors. The gateway's verifier reads with it; the operator CLI writes with it.
 * Everything that reads untrusted bytes throws {@link io.edgegate.trust.VerificationException} with a message,
 * never a parser's or BouncyCastle's own exception.
 */
@Export
@Version("1.0.0")
package io.edgegate.trust.format;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
