/** The gRPC server on the unix socket, its interceptors, and the one StatusMapper. */
@NullMarked
package dev.podshim.transport;

import org.jspecify.annotations.NullMarked;
