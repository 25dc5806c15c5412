/** Micrometer meter binders and the Prometheus scrape endpoint. */
@NullMarked
package dev.podshim.metrics;

import org.jspecify.annotations.NullMarked;
