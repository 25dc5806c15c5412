package dev.podshim.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * What this node lets a container have, read once at start-up: the capabilities podshimd holds
 * (a container never gets more), its own oom_score_adj (lowering below it fails with EPERM
 * without CAP_SYS_RESOURCE), whether the kernel has AppArmor, and what hugepage limits can apply.
 */
public record HostFacts(Set<String> capabilities, int oomScoreAdj, boolean appArmorEnabled, Hugetlb hugetlb) {
  public HostFacts {
    capabilities = Set.copyOf(capabilities);
    java.util.Objects.requireNonNull(hugetlb, "hugetlb");
  }

  static HostFacts read() {
    return new HostFacts(dev.podshim.oci.Capabilities.held(), ownOomScoreAdj(),
        "Y".equals(firstLine(Path.of("/sys/module/apparmor/parameters/enabled"))), Hugetlb.read());
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
