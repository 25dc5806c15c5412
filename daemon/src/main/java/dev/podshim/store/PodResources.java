package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import dev.podshim.store.ContainerConfig.Resources;

/**
 * The pod-level resources kubelet last sent with UpdatePodSandboxResources (after an in-place
 * resize): the sum of the containers' resources and the runtime class's overhead.
 */
public record PodResources(Resources resources, Resources overhead) {
  public PodResources {
    requireNonNull(resources, "resources");
    requireNonNull(overhead, "overhead");
  }

  /** The pod cgroup's memory limit in bytes, 0 for none: the containers' sum plus the overhead. */
  public long memoryLimitBytes() {
    return resources.memoryLimitBytes() == 0 ? 0 : resources.memoryLimitBytes() + overhead.memoryLimitBytes();
  }

  /** The pod cgroup's CFS quota in µs, 0 for unset and -1 for unlimited. */
  public long cpuQuota() {
    return resources.cpuQuota() <= 0 ? resources.cpuQuota() : resources.cpuQuota() + overhead.cpuQuota();
  }

  /** The pod cgroup's cpu.shares, 0 for unset. */
  public long cpuShares() {
    return resources.cpuShares() == 0 ? 0 : resources.cpuShares() + overhead.cpuShares();
  }
}
