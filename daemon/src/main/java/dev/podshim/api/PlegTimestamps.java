package dev.podshim.api;

import dev.podshim.sandbox.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The timestamps kubelet's evented PLEG orders a pod's statuses by: events' {@code created_at} and
 * PodSandboxStatus' {@code timestamp}. kubelet keeps a cached pod status unless one it holds is
 * newer, so these are wall-clock nanoseconds that never repeat or go back within the daemon: a
 * status read in the same millisecond as an event is still ordered against it. One sequence for
 * the whole daemon, as the clock it stands for is.
 */
final class PlegTimestamps {
  private static final AtomicLong LAST = new AtomicLong();

  private PlegTimestamps() {}

  /** Now in epoch nanoseconds, later than every value returned before. */
  static long next() {
    long now = Clock.nowNanos();
    return LAST.updateAndGet(last -> Math.max(now, last + 1));
  }
}
