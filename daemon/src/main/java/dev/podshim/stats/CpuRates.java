package dev.podshim.stats;

import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code usage_nano_cores}: CPU time used between the previous reading of a cgroup and this one,
 * per second of wall time, as containerd computes it. The first reading has no rate.
 *
 * <p>Unlike containerd, a reading replaces the stored one only once it is {@link #MIN_WINDOW_NANOS}
 * newer: kubelet, metrics-server and crictl poll independently, and a window of a few
 * milliseconds between two of them would report noise (a busy loop as 0 or 3 cores).
 */
final class CpuRates {
  static final long MIN_WINDOW_NANOS = 1_000_000_000L;

  private record Reading(long monotonicNanos, long usageNanos) {}

  private final ConcurrentHashMap<String, Reading> previous = new ConcurrentHashMap<>();

  /** The rate since the stored reading of {@code key}; empty on first sight or after a reset. */
  OptionalLong nanoCores(String key, long monotonicNanos, long usageNanos) {
    OptionalLong[] rate = {OptionalLong.empty()};
    previous.compute(key, (k, before) -> {
      Reading now = new Reading(monotonicNanos, usageNanos);
      // usage going down means a new cgroup under the same key (a restarted container): start over
      if (before == null || usageNanos < before.usageNanos()) {
        return now;
      }
      long window = monotonicNanos - before.monotonicNanos();
      if (window <= 0) {
        return before;
      }
      rate[0] = OptionalLong.of((long) ((usageNanos - before.usageNanos()) * 1e9 / window));
      return window >= MIN_WINDOW_NANOS ? now : before;
    });
    return rate[0];
  }

  /** Forgets every key but these: called with the full list, so removed containers do not linger. */
  void retainOnly(Set<String> keys) {
    previous.keySet().retainAll(keys);
  }

  int size() {
    return previous.size();
  }
}
