package dev.podshim.stats;

import static java.util.Objects.requireNonNull;

import dev.podshim.store.Sandbox;
import java.util.List;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One pod's usage: its cgroup (or the sum of its containers' when it has none of its own), its
 * network namespace's interfaces, and each container.
 *
 * @param network null for a host-network pod: the node's interfaces are not the pod's
 */
public record PodUsage(Sandbox sandbox, @Nullable CgroupSample cgroup, OptionalLong nanoCores,
    @Nullable NetworkSample network, List<ContainerUsage> containers) {
  public PodUsage {
    requireNonNull(sandbox, "sandbox");
    requireNonNull(nanoCores, "nanoCores");
    containers = List.copyOf(containers);
  }
}
