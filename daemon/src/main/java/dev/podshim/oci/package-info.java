/** The OCI runtime (runc, crun) and conmon: how they are invoked, and the defaults of an OCI spec. */
@NullMarked
package dev.podshim.oci;

import org.jspecify.annotations.NullMarked;
