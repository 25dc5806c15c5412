package dev.podshim.container;

import dev.podshim.oci.AppArmor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * What this node lets a container have, read once at start-up: the capabilities podshimd holds
 * (a container never gets more), its own oom_score_adj (lowering below it fails with EPERM
 * without CAP_SYS_RESOURCE), AppArmor (whether it is on, which profiles are loaded), and the resources limits apply to.
 */
public record HostFacts(Set<String> capabilities, int oomScoreAdj, AppArmor appArmor, NodeResources node) {
  public HostFacts {
    capabilities = Set.copyOf(capabilities);
    java.util.Objects.requireNonNull(appArmor, "appArmor");
    java.util.Objects.requireNonNull(node, "node");
  }

  static HostFacts read(AppArmor appArmor) {
    return new HostFacts(dev.podshim.oci.Capabilities.held(), ownOomScoreAdj(), appArmor, NodeResources.read());
  }

  private static int ownOomScoreAdj() {
    try {
      return Integer.parseInt(firstLine(Path.of("/proc/self/oom_score_adj")));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The first line of a file, trimmed; empty when it cannot be read. */
  static String firstLine(Path p) {
    try {
      // /proc and /sys files answer only a first short read: read them line-wise
      return Files.readAllLines(p).stream().findFirst().orElse("").trim();
    } catch (IOException e) {
      return "";
    }
  }
}
