package dev.podshim.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * What this node lets a container have, read once at start-up: the capabilities podshimd holds
 * (a container never gets more), its own oom_score_adj (lowering below it fails with EPERM
 * without CAP_SYS_RESOURCE), and whether the kernel has AppArmor.
 */
record HostFacts(Set<String> capabilities, int oomScoreAdj, boolean appArmorEnabled) {
  HostFacts {
    capabilities = Set.copyOf(capabilities);
  }

  static HostFacts read() {
    return new HostFacts(dev.podshim.oci.Capabilities.held(), ownOomScoreAdj(),
        "Y".equals(readTrimmed(Path.of("/sys/module/apparmor/parameters/enabled"))));
  }

  private static int ownOomScoreAdj() {
    try {
      return Integer.parseInt(readTrimmed(Path.of("/proc/self/oom_score_adj")));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String readTrimmed(Path p) {
    try {
      // /proc and /sys files answer only a first short read: read them line-wise
      return Files.readAllLines(p).stream().findFirst().orElse("").trim();
    } catch (IOException e) {
      return "";
    }
  }
}
