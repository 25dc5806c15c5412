package dev.podshim.image;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Content a pull in progress is writing: blob digests and chain ids that garbage collection must
 * leave alone although no image record references them yet.
 */
final class Leases {
  private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();

  /** A hold on some keys, released by close. */
  interface Lease extends AutoCloseable {
    @Override
    void close();
  }

  /** Holds {@code keys} until the returned lease is closed. */
  Lease acquire(Collection<String> keys) {
    Set<String> mine = Set.copyOf(keys);
    mine.forEach(k -> held.merge(k, 1, Integer::sum));
    return () -> mine.forEach(k -> held.computeIfPresent(k, (x, n) -> n == 1 ? null : n - 1));
  }

  boolean isHeld(String key) {
    return held.containsKey(key);
  }
}
