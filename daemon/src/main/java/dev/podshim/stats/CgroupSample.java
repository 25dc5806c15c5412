package dev.podshim.stats;

import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One reading of a cgroup's CPU, memory and pids files, in the units the CRI uses (nanoseconds,
 * bytes), whichever cgroup version they came from.
 *
 * @param timestampNanos wall clock when read, nanoseconds since the epoch (the CRI's timestamps)
 * @param monotonicNanos {@link System#nanoTime()} when read, for rates a clock change cannot skew
 * @param cpu null when the CPU accounting files are absent
 * @param memory null when the memory controller is absent
 * @param processes pids.current; empty without the pids controller
 */
public record CgroupSample(long timestampNanos, long monotonicNanos, @Nullable Cpu cpu, @Nullable Memory memory,
    OptionalLong processes) {

  /**
   * @param usageNanos CPU time of all tasks, user and system
   * @param userNanos, systemNanos the split of it; v1 counts these in clock ticks (10 ms)
   * @param periods, throttledPeriods, throttledNanos CFS quota enforcement, zero without a quota
   */
  public record Cpu(long usageNanos, long userNanos, long systemNanos, long periods, long throttledPeriods,
      long throttledNanos) {}

  /**
   * @param usageBytes memory.usage_in_bytes (v1) or memory.current (v2): page cache included
   * @param limitBytes the hard limit; empty when there is none
   * @param rssBytes anonymous memory: v1's total_rss, v2's anon (as cAdvisor reads them)
   * @param swapBytes swap in use; empty when the kernel does not account swap
   * @param swapLimitBytes the swap limit (v1: memory+swap limit minus the memory limit); empty for none
   * @param maxUsageBytes the high-water mark; empty where the kernel does not keep one
   * @param failcnt times the limit was hit (v1 only)
   * @param oomKills processes the OOM killer killed in this cgroup
   */
  public record Memory(long usageBytes, OptionalLong limitBytes, long rssBytes, long cacheBytes,
      long mappedFileBytes, long activeFileBytes, long inactiveFileBytes, long pageFaults, long majorPageFaults,
      OptionalLong swapBytes, OptionalLong swapLimitBytes, OptionalLong maxUsageBytes, OptionalLong failcnt,
      OptionalLong oomKills) {

    /** kubelet's working set: usage less the inactive page cache the kernel reclaims first, never negative. */
    public long workingSetBytes() {
      return Math.max(0, usageBytes - inactiveFileBytes);
    }

    /** What the container may still use before its limit: kubelet's eviction signal. */
    public OptionalLong availableBytes() {
      return limitBytes.isPresent() ? OptionalLong.of(Math.max(0, limitBytes.getAsLong() - workingSetBytes()))
          : OptionalLong.empty();
    }

    public OptionalLong swapAvailableBytes() {
      if (swapLimitBytes.isEmpty() || swapBytes.isEmpty()) {
        return OptionalLong.empty();
      }
      return OptionalLong.of(Math.max(0, swapLimitBytes.getAsLong() - swapBytes.getAsLong()));
    }
  }

  /**
   * The sum of several cgroups' readings: a pod without a cgroup of its own is the sum of its
   * containers. Limits do not add up, so the sum has none.
   */
  static CgroupSample sum(long timestampNanos, long monotonicNanos, List<CgroupSample> parts) {
    List<Cpu> cpus = parts.stream().map(CgroupSample::cpu).filter(c -> c != null).toList();
    List<Memory> memories = parts.stream().map(CgroupSample::memory).filter(m -> m != null).toList();
    Cpu cpu = new Cpu(total(cpus, Cpu::usageNanos), total(cpus, Cpu::userNanos), total(cpus, Cpu::systemNanos),
        total(cpus, Cpu::periods), total(cpus, Cpu::throttledPeriods), total(cpus, Cpu::throttledNanos));
    Memory memory = new Memory(total(memories, Memory::usageBytes), OptionalLong.empty(),
        total(memories, Memory::rssBytes), total(memories, Memory::cacheBytes),
        total(memories, Memory::mappedFileBytes), total(memories, Memory::activeFileBytes),
        total(memories, Memory::inactiveFileBytes), total(memories, Memory::pageFaults),
        total(memories, Memory::majorPageFaults), totalOf(memories, Memory::swapBytes), OptionalLong.empty(),
        OptionalLong.empty(), totalOf(memories, Memory::failcnt), totalOf(memories, Memory::oomKills));
    OptionalLong processes = totalOf(parts, CgroupSample::processes);
    return new CgroupSample(timestampNanos, monotonicNanos, cpu, memory, processes);
  }

  private static <T> long total(List<T> items, java.util.function.ToLongFunction<T> field) {
    return items.stream().mapToLong(field).sum();
  }

  private static <T> OptionalLong totalOf(List<T> items, Function<T, OptionalLong> field) {
    List<OptionalLong> present = items.stream().map(field).filter(OptionalLong::isPresent).toList();
    return present.isEmpty() ? OptionalLong.empty()
        : OptionalLong.of(present.stream().mapToLong(OptionalLong::getAsLong).sum());
  }
}
