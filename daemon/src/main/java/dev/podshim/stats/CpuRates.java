package dev.podshim.stats;

import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code usage_nano_cores}: CPU time used between an earlier reading of a cgroup and this one,
 * per second, as containerd computes it from the previous sample. The first reading has no rate.
 *
 * <p>Unlike containerd, the window is never shorter than {@link #MIN_WINDOW_NANOS} once two
 * readings that far apart exist: kubelet, metrics-server and crictl poll independently, and a
 * window of a few milliseconds between two of them reports scheduling noise (a busy loop as 0.5 or
 * 3 cores). So two readings are kept: the latest, and the one before it, at least the minimum
 * window older; a reading that comes sooner than that after the latest is measured against the
 * one before and stored nowhere.
 */
final class CpuRates {
  static final long MIN_WINDOW_NANOS = 1_000_000_000L;

  private record Reading(long monotonicNanos, long usageNanos) {}

  /** @param before null until a second reading came at least the minimum window after the first */
  private record Kept(Reading latest, @org.jspecify.annotations.Nullable Reading before) {}

  private final ConcurrentHashMap<String, Kept> kept = new ConcurrentHashMap<>();

  /** The rate since an earlier reading of {@code key}; empty on first sight or after a reset. */
  OptionalLong nanoCores(String key, long monotonicNanos, long usageNanos) {
    OptionalLong[] rate = {OptionalLong.empty()};
    Reading now = new Reading(monotonicNanos, usageNanos);
    kept.compute(key, (k, old) -> {
      // usage going down means a new cgroup under the same key (a restarted container): start over
      if (old == null || usageNanos < old.latest().usageNanos()) {
        return new Kept(now, null);
      }
      boolean longEnough = monotonicNanos - old.latest().monotonicNanos() >= MIN_WINDOW_NANOS;
      Reading base = longEnough || old.before() == null ? old.latest() : old.before();
      rate[0] = rate(base, now);
      return longEnough ? new Kept(now, old.latest()) : old;
    });
    return rate[0];
  }

  private static OptionalLong rate(Reading from, Reading to) {
    long window = to.monotonicNanos() - from.monotonicNanos();
    if (window <= 0 || to.usageNanos() < from.usageNanos()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of((long) ((to.usageNanos() - from.usageNanos()) * 1e9 / window));
  }

  /** Forgets every key but these: called with the full list, so removed containers do not linger. */
  void retainOnly(Set<String> keys) {
    kept.keySet().retainAll(keys);
  }

  int size() {
    return kept.size();
  }
}
