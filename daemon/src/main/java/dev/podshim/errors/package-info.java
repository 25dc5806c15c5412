/** The error type domain code throws, independent of gRPC. */
@NullMarked
package dev.podshim.errors;

import org.jspecify.annotations.NullMarked;
