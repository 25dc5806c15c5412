package dev.podshim.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The defaults that follow the node rather than a constant, for what the config file leaves
 * unset. On a node booted with systemd whose {@code /sys/fs/cgroup} is cgroup v2 alone, kubelet's
 * own default is the systemd cgroup driver (and kubelet checks the runtime's through
 * RuntimeConfig), and crun, where installed, is the default runtime as CRI-O makes it; elsewhere
 * cgroupfs and runc. crun needs the unified tree: it refuses the v1 hybrid layouts.
 *
 * @param systemdBooted whether systemd is PID 1 ({@code /run/systemd/system} exists, as sd_booted checks)
 * @param unifiedCgroup whether {@code /sys/fs/cgroup} is the cgroup v2 tree alone
 * @param crun the crun binary, when installed at its packaged path
 */
record NodeDefaults(boolean systemdBooted, boolean unifiedCgroup, java.util.Optional<Path> crun) {
  static final Path CRUN = Path.of("/usr/bin/crun");

  /** This node's. */
  static NodeDefaults read() {
    return read(Path.of("/run/systemd/system"), Path.of("/sys/fs/cgroup/cgroup.controllers"), CRUN);
  }

  /**
   * @param controllersFile {@code cgroup.controllers} at the cgroup root: only a v2 root has one (a
   *     hybrid node's v2 tree is mounted below, at {@code /sys/fs/cgroup/unified})
   */
  static NodeDefaults read(Path systemdRunDir, Path controllersFile, Path crunBinary) {
    return new NodeDefaults(Files.isDirectory(systemdRunDir), Files.isRegularFile(controllersFile),
        Files.isExecutable(crunBinary) ? java.util.Optional.of(crunBinary) : java.util.Optional.empty());
  }

  CgroupDriver cgroupDriver() {
    return systemdBooted && unifiedCgroup ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS;
  }

  /** The handlers added to the configured ones: crun on a unified node that has it, unless configured. */
  Map<String, Path> runtimes(Map<String, Path> configured) {
    Map<String, Path> all = new TreeMap<>(configured);
    if (unifiedCgroup && crun.isPresent()) {
      all.putIfAbsent("crun", crun.get());
    }
    return all;
  }

  /** The handler an empty runtime_handler means when the config names none. */
  String defaultRuntime(Map<String, Path> runtimes) {
    return unifiedCgroup && runtimes.containsKey("crun") ? "crun" : "runc";
  }
}
