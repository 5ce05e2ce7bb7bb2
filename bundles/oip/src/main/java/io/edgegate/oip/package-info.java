/**
 * The JSON bodies of the Open Inference Protocol v2 (KServe / Triton), read and written the same way by every
 * protocol bundle of the gateway: HTTP ({@code POST /v2/models/<m>/infer}) and MQTT ({@code edgegate/<id>/infer/<m>}).
 */
@Export
@Version("1.1.0")
package io.edgegate.oip;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
