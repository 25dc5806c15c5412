/** Container lifecycle under conmon and the OCI runtime: create, start, stop, remove, exec, logs, exits, recovery. */
@NullMarked
package dev.podshim.container;

import org.jspecify.annotations.NullMarked;
