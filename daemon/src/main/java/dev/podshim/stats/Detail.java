package dev.podshim.stats;

/** How much to read: the CRI stats need fewer cgroup files than the cAdvisor-named metrics. */
public enum Detail {
  /** CPU usage, memory usage/working set/RSS/faults/limit, swap, pids. */
  STATS,
  /** Also CPU user/system split and throttling, memory high-water mark, failcnt and OOM kills. */
  METRICS
}
