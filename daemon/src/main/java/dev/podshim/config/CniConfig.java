package dev.podshim.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;

/**
 * CNI settings.
 *
 * @param confDir the cluster's CNI config directory; a config there always wins
 * @param binDirs plugin search path, in order
 * @param writeDefaultNetwork when no config exists anywhere, write podshim's bridge network into
 *     {@code <root>/cni/net.d} so that pods get an IP on a fresh machine
 * @param defaultSubnet the IPv4 subnet of that default network
 * @param pluginTimeoutSeconds a plugin running longer is killed and the operation fails
 */
public record CniConfig(Path confDir, List<Path> binDirs, boolean writeDefaultNetwork, String defaultSubnet,
    int pluginTimeoutSeconds) {
  public CniConfig {
    requireNonNull(confDir, "confDir");
    binDirs = List.copyOf(binDirs);
    requireNonNull(defaultSubnet, "defaultSubnet");
  }

  public static CniConfig defaults() {
    return new CniConfig(Path.of("/etc/cni/net.d"), List.of(Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni")), true,
        "10.88.0.0/16", 30);
  }
}
