/**
 * Container Device Interface: spec files read from the configured directories (JSON or YAML,
 * versions 0.3.0 to 1.0.x), the registry of the devices they define, and the resolution of
 * qualified device names ({@code vendor.com/class=name}) to the container edits to apply.
 * Knows nothing of the CRI: the container package applies the edits to the OCI spec.
 */
@NullMarked
package dev.podshim.cdi;

import org.jspecify.annotations.NullMarked;
