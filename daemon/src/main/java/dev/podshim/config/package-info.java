/** Immutable daemon configuration: built-in defaults, a TOML file, command-line flags. */
@NullMarked
package dev.podshim.config;

import org.jspecify.annotations.NullMarked;
