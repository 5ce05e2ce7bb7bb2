/**
 * The accelerator provider SPI, implemented by plugin authors: one bundle per provider, registering
 * {@link io.edgegate.accelerator.spi.AcceleratorProvider} as an OSGi service.
 */
@Export
@Version("1.1.0")
package io.edgegate.accelerator.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
