package dev.podshim.stats;

import static java.util.Objects.requireNonNull;

import dev.podshim.image.ImageFilesystem;
import dev.podshim.store.Container;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One container's usage.
 *
 * @param cgroup null for a container that is not running (or created) any more
 * @param nanoCores CPU rate since the previous reading; empty on first sight
 * @param writableLayer the cached measurement; null without a snapshot
 */
public record ContainerUsage(Container container, @Nullable CgroupSample cgroup, OptionalLong nanoCores,
    ImageFilesystem.@Nullable Usage writableLayer) {
  public ContainerUsage {
    requireNonNull(container, "container");
    requireNonNull(nanoCores, "nanoCores");
  }
}
