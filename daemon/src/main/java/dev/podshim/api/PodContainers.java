package dev.podshim.api;

import dev.podshim.container.ContainerFilter;
import dev.podshim.container.ContainerService;
import dev.podshim.store.Container;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A pod's containers as kubelet's evented PLEG reads them beside a pod's status: every created
 * container of the sandbox, newest first. kubelet takes PodSandboxStatus' list as it comes (it
 * sorts only what it lists itself) and derives the next restart count from the first container of
 * a name, so an older attempt first has it create one that exists (ALREADY_EXISTS, crash loop stuck).
 */
final class PodContainers {
  private static final Comparator<Container> NEWEST_FIRST =
      Comparator.comparingLong((Container c) -> c.metadata().createdAtNanos()).reversed();

  private PodContainers() {}

  static List<Container> newestFirst(ContainerService containers, String sandboxId) {
    return containers.list(new ContainerFilter("", null, sandboxId, Map.of())).stream().sorted(NEWEST_FIRST).toList();
  }
}
