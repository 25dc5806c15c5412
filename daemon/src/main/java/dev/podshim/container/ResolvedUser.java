package dev.podshim.container;

import java.util.List;

/**
 * The numeric identity a container's process runs as.
 *
 * @param supplementalGroups every group the process is in, the primary gid first, as CRI
 *     ContainerStatus.user reports them
 */
public record ResolvedUser(long uid, long gid, List<Long> supplementalGroups) {
  public ResolvedUser {
    supplementalGroups = List.copyOf(supplementalGroups);
  }
}
