package dev.podshim.stats;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.store.Container;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each container's cgroup is, taken from the {@code linux.cgroupsPath} its OCI spec gave
 * runc (the truth even for a container made under an older config), read once per container.
 */
final class ContainerCgroups {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConcurrentHashMap<String, Optional<String>> paths = new ConcurrentHashMap<>();

  /** The cgroup relative to each hierarchy root; empty when the spec cannot be read. */
  Optional<String> of(Container c) {
    Optional<String> known = paths.get(c.id());
    if (known != null) {
      return known;
    }
    Optional<String> path;
    try {
      path = Optional.of(dev.podshim.oci.CgroupsPath.relative(JSON.readTree(c.bundle().resolve("config.json").toFile())
          .path("linux").path("cgroupsPath").asText(""))).filter(p -> !p.isEmpty());
    } catch (IOException e) {
      return Optional.empty(); // not cached: the bundle may still be being written
    }
    paths.put(c.id(), path);
    return path;
  }

  void retainOnly(Set<String> containerIds) {
    paths.keySet().retainAll(containerIds);
  }
}
