package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import dev.podshim.store.ContainerConfig.Resources;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The values runc and the kernel take for a container's resources, checked before runc sees them,
 * the same for CreateContainer and UpdateContainerResources. A CRI value of zero (or empty) is
 * unset. Each bound says where it comes from; outside it runc fails the call.
 */
public final class ResourceLimits {
  /** The kernel's MIN_SHARES and MAX_SHARES; runc reads cpu.shares back and fails outside (on v2 it maps them to cpu.weight). */
  static final long MIN_CPU_SHARES = 2;
  static final long MAX_CPU_SHARES = 262_144;
  /** The kernel's bounds on a CFS period: 1 ms to 1 s. */
  static final long MIN_CPU_PERIOD_US = 1_000;
  static final long MAX_CPU_PERIOD_US = 1_000_000;
  /** The kernel's smallest CFS quota (1 ms) and largest (max_cfs_runtime, 2^44 - 1 µs); -1 is unlimited. */
  static final long MIN_CPU_QUOTA_US = 1_000;
  static final long MAX_CPU_QUOTA_US = (1L << 44) - 1;
  /**
   * CRI-O's minimum memory limit (Docker's is 6 MiB): below it runc's own init, which runs in the
   * container's cgroup, is OOM-killed or the kernel refuses a limit under the usage already charged.
   */
  static final long MIN_MEMORY_BYTES = 12L << 20;
  static final int MIN_OOM_SCORE_ADJ = -1000;
  static final int MAX_OOM_SCORE_ADJ = 1000;
  private static final Pattern PAGE_SIZE = Pattern.compile("[0-9]+[KMGT]B");
  private static final Pattern UNIFIED_KEY = Pattern.compile("[a-z0-9_]+\\.[a-zA-Z0-9_.]+");

  private ResourceLimits() {}

  /** @param field the resources' own field: "config.linux.resources" in Create, "linux" in Update */
  static void check(String field, Resources r, NodeResources node) {
    cpu(field, r);
    memory(field, r);
    oomScoreAdj(field + ".oom_score_adj", r.oomScoreAdj());
    cpuset(field + ".cpuset_cpus", "CPU", r.cpusetCpus(), node.cpus());
    cpuset(field + ".cpuset_mems", "memory node", r.cpusetMems(), node.mems());
    hugepages(field + ".hugepage_limits", r.hugepages(), node.hugetlb());
    unified(field + ".unified", r.unified(), node.unifiedCgroup());
  }

  /**
   * What a pod-level update (UpdatePodSandboxResources) may carry: CPU and memory, checked as a
   * container's are. The overhead is what the pod's runtime class adds; it only has to be a size.
   */
  public static void checkPodLevel(Resources resources, Resources overhead) {
    cpu("resources", resources);
    memory("resources", resources);
    for (var field : java.util.Map.of("cpu_shares", overhead.cpuShares(), "cpu_quota", overhead.cpuQuota(),
        "memory_limit_in_bytes", overhead.memoryLimitBytes()).entrySet()) {
      if (field.getValue() < 0) {
        throw invalid("overhead." + field.getKey(), field.getValue() + " is negative");
      }
    }
  }

  static void oomScoreAdj(String field, long value) {
    if (value < MIN_OOM_SCORE_ADJ || value > MAX_OOM_SCORE_ADJ) {
      throw invalid(field, value + " is not between " + MIN_OOM_SCORE_ADJ + " and " + MAX_OOM_SCORE_ADJ);
    }
  }

  private static void cpu(String field, Resources r) {
    long shares = r.cpuShares();
    if (shares != 0 && (shares < MIN_CPU_SHARES || shares > MAX_CPU_SHARES)) {
      throw invalid(field + ".cpu_shares", shares + " is not between " + MIN_CPU_SHARES + " and " + MAX_CPU_SHARES);
    }
    long period = r.cpuPeriod();
    if (period != 0 && (period < MIN_CPU_PERIOD_US || period > MAX_CPU_PERIOD_US)) {
      throw invalid(field + ".cpu_period", period + " µs is not between " + MIN_CPU_PERIOD_US + " and "
          + MAX_CPU_PERIOD_US);
    }
    long quota = r.cpuQuota();
    if (quota != 0 && quota != -1 && (quota < MIN_CPU_QUOTA_US || quota > MAX_CPU_QUOTA_US)) {
      throw invalid(field + ".cpu_quota", quota + " µs is neither -1 (unlimited) nor between " + MIN_CPU_QUOTA_US
          + " and " + MAX_CPU_QUOTA_US);
    }
  }

  private static void memory(String field, Resources r) {
    long limit = r.memoryLimitBytes();
    if (limit < 0) {
      throw invalid(field + ".memory_limit_in_bytes", limit + " is negative (0 is no limit)");
    }
    if (limit != 0 && limit < MIN_MEMORY_BYTES) {
      throw invalid(field + ".memory_limit_in_bytes", limit + " is below the minimum of " + MIN_MEMORY_BYTES
          + " bytes (12 MiB)");
    }
    // memory plus swap, as runc takes it: -1 is unlimited, and anything else covers the memory limit
    long swap = r.memorySwapLimitBytes();
    if (swap < -1) {
      throw invalid(field + ".memory_swap_limit_in_bytes", swap + " is neither -1 (unlimited) nor positive");
    }
    if (swap > 0 && limit == 0) {
      throw invalid(field + ".memory_swap_limit_in_bytes", "needs memory_limit_in_bytes set too");
    }
    if (swap > 0 && swap < limit) {
      throw invalid(field + ".memory_swap_limit_in_bytes", swap + " is below memory_limit_in_bytes " + limit
          + " (it is memory plus swap)");
    }
  }

  private static void cpuset(String field, String what, String value, CpuList online) {
    if (value.isEmpty()) {
      return;
    }
    CpuList requested = CpuList.parse(value);
    if (requested == null) {
      throw invalid(field, quoted(value) + " is not a list such as 0-3,7");
    }
    int missing = online.firstMissingOf(requested);
    if (missing >= 0) {
      throw invalid(field, "this node has no " + what + " " + missing + " (online: " + online + ")");
    }
  }

  /** Sizes the node has (see {@link Hugetlb}), whether or not the runtime can apply limits here: kubelet sends only those. */
  private static void hugepages(String field, Map<String, Long> requested, Hugetlb hugetlb) {
    requested.forEach((size, limit) -> {
      if (!PAGE_SIZE.matcher(size).matches()) {
        throw invalid(field, "page size " + quoted(size) + " is not like 2MB or 1GB");
      }
      if (limit < 0) {
        throw invalid(field, "limit of " + size + " pages is negative: " + limit);
      }
      if (!hugetlb.pageSizes().contains(size)) {
        throw invalid(field, "this node has no " + size + " huge pages; it has " + hugetlb.pageSizes());
      }
    });
  }

  private static void unified(String field, Map<String, String> unified, boolean v2) {
    if (unified.isEmpty()) {
      return;
    }
    for (Map.Entry<String, String> e : unified.entrySet()) {
      if (!UNIFIED_KEY.matcher(e.getKey()).matches()) {
        throw invalid(field, quoted(e.getKey()) + " is not a cgroup file name");
      }
      Fields.noNul(field + "[" + e.getKey() + "]", e.getValue());
    }
    if (!v2) {
      throw invalid(field, "needs cgroup v2, and this node's /sys/fs/cgroup is cgroup v1 (runc refuses unified there)");
    }
  }
}
