/** Entity metadata (immutable) and status (mutable) records, persisted as atomic versioned JSON. */
@NullMarked
package dev.podshim.store;

import org.jspecify.annotations.NullMarked;
