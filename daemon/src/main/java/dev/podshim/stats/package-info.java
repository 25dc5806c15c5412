/**
 * Container and pod usage for the CRI stats and metrics RPCs: cgroup v1 and v2 files, the pod's
 * network counters, and writable-layer usage measured off the request path.
 */
@NullMarked
package dev.podshim.stats;

import org.jspecify.annotations.NullMarked;
