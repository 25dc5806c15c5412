package dev.podshim.container;

import dev.podshim.store.ContainerStatus;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * ListContainers' filter; empty fields match everything.
 *
 * @param idPrefix a container id or prefix of one
 * @param state null for any state
 * @param sandboxIdPrefix a sandbox id or prefix of one
 */
public record ContainerFilter(String idPrefix, ContainerStatus.@Nullable State state, String sandboxIdPrefix,
    Map<String, String> labels) {
  public ContainerFilter {
    labels = Map.copyOf(labels);
  }

  public static ContainerFilter all() {
    return new ContainerFilter("", null, "", Map.of());
  }
}
