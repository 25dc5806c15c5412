/** Pod networking. */
@NullMarked
package dev.podshim.network;

import org.jspecify.annotations.NullMarked;
