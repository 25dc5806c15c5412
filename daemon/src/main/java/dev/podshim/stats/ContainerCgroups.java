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
      path = Optional.of(relative(JSON.readTree(c.bundle().resolve("config.json").toFile())
          .path("linux").path("cgroupsPath").asText(""))).filter(p -> !p.isEmpty());
    } catch (IOException e) {
      return Optional.empty(); // not cached: the bundle may still be being written
    }
    paths.put(c.id(), path);
    return path;
  }

  /**
   * runc's two spellings: a path for cgroupfs, {@code slice:prefix:name} for systemd, which runc
   * places at the slice's nested path in a scope named {@code prefix-name.scope}.
   */
  static String relative(String cgroupsPath) {
    String[] parts = cgroupsPath.split(":", -1);
    if (parts.length != 3) {
      return cgroupsPath.isEmpty() || cgroupsPath.startsWith("/") ? cgroupsPath : "/" + cgroupsPath;
    }
    String slice = parts[0].isEmpty() ? "system.slice" : parts[0];
    return sliceDir(slice) + "/" + parts[1] + "-" + parts[2] + ".scope";
  }

  /** systemd nests {@code a-b.slice} as {@code /a.slice/a-b.slice}; {@code -.slice} is the root. */
  static String sliceDir(String slice) {
    if (slice.equals("-.slice") || !slice.endsWith(".slice")) {
      return "";
    }
    String name = slice.substring(0, slice.length() - ".slice".length());
    StringBuilder dir = new StringBuilder();
    int dash = -1;
    while ((dash = name.indexOf('-', dash + 1)) >= 0) {
      dir.append('/').append(name, 0, dash).append(".slice");
    }
    return dir.append('/').append(slice).toString();
  }

  void retainOnly(Set<String> containerIds) {
    paths.keySet().retainAll(containerIds);
  }
}
