package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import java.nio.file.Path;
import java.util.Set;

/**
 * Where a CRI mount may not go, checked before runc sees the spec.
 *
 * <ul>
 *   <li>Not over {@code /}: the host directory would become the container's root, and runc would
 *       create {@code dev/} with device nodes, {@code proc/} and {@code sys/} in it on the host.
 *   <li>Not over or under {@code /proc}, as runc refuses (libcontainer's checkProcMount): only
 *       procfs itself may cover {@code /proc}, and below it only the files lxcfs emulates.
 * </ul>
 *
 * Mounts over {@code /sys} and {@code /dev} stay allowed, as containerd and CRI-O allow them:
 * CSI node plugins bind the host's there, and under a {@code /dev} bind runc creates no device
 * nodes of its own. Each rule applies to the destination as written and as runc reaches it by
 * following symlinks in the rootfs (see {@link RootfsPath}).
 */
final class MountDestinations {
  private static final String PROC = "/proc";
  /** runc's list (libcontainer/rootfs_linux.go): what lxcfs emulates may be mounted inside /proc. */
  private static final Set<String> LXCFS_PROC_FILES = Set.of("/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
      "/proc/stat", "/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev",
      "/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled");

  private MountDestinations() {}

  /**
   * @param destination the clean absolute container path, as written
   * @param reached where runc's lookup ends once it has followed symlinks in the rootfs
   * @param source the host path, symlinks resolved
   */
  static void check(String field, String destination, String reached, Path source) {
    checkOne(field, quoted(destination), destination, source);
    if (!reached.equals(destination)) {
      checkOne(field, quoted(destination) + " (through a symlink, " + quoted(reached) + ")", reached, source);
    }
  }

  private static void checkOne(String field, String shown, String path, Path source) {
    if (path.equals("/")) {
      throw invalid(field, shown + " would replace the container's root filesystem");
    }
    if (path.equals(PROC)) {
      if (!source.equals(Path.of(PROC))) {
        throw invalid(field, shown + ": only the host's procfs may be mounted over /proc");
      }
    } else if (path.startsWith(PROC + "/") && !LXCFS_PROC_FILES.contains(path)) {
      throw invalid(field, shown + " is inside /proc, which the runtime owns");
    }
  }
}
