/** podshimd: entry point and wiring. */
@NullMarked
package dev.podshim;

import org.jspecify.annotations.NullMarked;
