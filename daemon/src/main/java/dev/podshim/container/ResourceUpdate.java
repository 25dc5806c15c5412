package dev.podshim.container;

import dev.podshim.store.ContainerConfig.Resources;
import java.util.HashMap;
import java.util.Map;

/**
 * UpdateContainerResources as containerd applies it: a field the request leaves unset (zero or
 * empty) keeps the value in force, so that a quota sent alone keeps its period (cgroup v2's
 * {@code cpu.max} takes both, and crun leaves it alone without one) and map entries are merged.
 */
final class ResourceUpdate {
  private ResourceUpdate() {}

  static Resources merge(Resources current, Resources requested) {
    Map<String, Long> hugepages = new HashMap<>(current.hugepages());
    hugepages.putAll(requested.hugepages());
    Map<String, String> unified = new HashMap<>(current.unified());
    unified.putAll(requested.unified());
    return new Resources(
        or(requested.cpuPeriod(), current.cpuPeriod()),
        or(requested.cpuQuota(), current.cpuQuota()),
        or(requested.cpuShares(), current.cpuShares()),
        or(requested.memoryLimitBytes(), current.memoryLimitBytes()),
        or(requested.oomScoreAdj(), current.oomScoreAdj()),
        requested.cpusetCpus().isEmpty() ? current.cpusetCpus() : requested.cpusetCpus(),
        requested.cpusetMems().isEmpty() ? current.cpusetMems() : requested.cpusetMems(),
        hugepages, unified,
        or(requested.memorySwapLimitBytes(), current.memorySwapLimitBytes()));
  }

  private static long or(long requested, long current) {
    return requested != 0 ? requested : current;
  }
}
