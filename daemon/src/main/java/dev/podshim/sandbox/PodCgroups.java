package dev.podshim.sandbox;

import dev.podshim.config.CgroupDriver;
import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;
import dev.podshim.store.PodResources;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Puts pause into the pod's cgroup ({@code cgroup_parent}). cgroupfs: podshim makes pause's leaf
 * under the parent on every mounted hierarchy (each v1 controller, and the v2 tree, unified or
 * hybrid), because cgroup v2 allows processes only in leaves. systemd: every cgroup belongs to
 * systemd, so pause's leaf is a transient scope {@code podshim-<id>.scope} in the pod's slice that
 * systemd makes and removes, and podshim makes no directory.
 */
final class PodCgroups {
  private static final Pattern CGROUPFS_PARENT = Pattern.compile("(/[A-Za-z0-9_.:@=+-]+)+");
  private static final Pattern SLICE = Pattern.compile("[A-Za-z0-9_.:@=+-]+\\.slice");

  private static final int MAX_PARENT_BYTES = 1024;
  private static final long DEFAULT_CPU_PERIOD_US = 100_000;
  private final CgroupDriver driver;
  private final List<Hierarchy> hierarchies;
  private final SystemdScopes scopes;

  /** One mounted cgroup hierarchy; {@code cpuset} needs cpus/mems copied into new v1 dirs. */
  record Hierarchy(Path mountPoint, boolean cpusetV1) {}

  PodCgroups(CgroupDriver driver, List<Hierarchy> hierarchies) {
    this(driver, hierarchies, new SystemdScopes());
  }

  PodCgroups(CgroupDriver driver, List<Hierarchy> hierarchies, SystemdScopes scopes) {
    this.driver = driver;
    this.hierarchies = List.copyOf(hierarchies);
    this.scopes = scopes;
  }

  /** The hierarchies this machine mounts, read from /proc/self/mountinfo. */
  static List<Hierarchy> mounted(Path mountinfo) throws IOException {
    List<Hierarchy> result = new ArrayList<>();
    for (String line : Files.readAllLines(mountinfo)) {
      String[] halves = line.split(" - ", 2);
      if (halves.length < 2) {
        continue;
      }
      String[] post = halves[1].split(" ");
      String type = post[0];
      if (!type.equals("cgroup") && !type.equals("cgroup2")) {
        continue;
      }
      Path mountPoint = Path.of(halves[0].split(" ")[4]);
      boolean cpuset = type.equals("cgroup") && post.length > 2 && List.of(post[2].split(",")).contains("cpuset");
      result.add(new Hierarchy(mountPoint, cpuset));
    }
    return result;
  }

  void validateParent(String parent) {
    if (parent.isEmpty()) {
      return;
    }
    // the parent lands under every hierarchy's mount point, and the container's id under it
    Inputs.path("config.linux.cgroup_parent", parent, MAX_PARENT_BYTES);
    boolean ok = switch (driver) {
      case CGROUPFS -> CGROUPFS_PARENT.matcher(parent).matches() && !List.of(parent.split("/")).contains("..")
          && !List.of(parent.split("/")).contains(".");
      case SYSTEMD -> isSlicePath(parent);
    };
    if (!ok) {
      throw CriException.invalidArgument("config.linux.cgroup_parent: " + Inputs.quoted(parent) + " is not a valid " + driver.configName() + " cgroup parent"
          + (driver == CgroupDriver.SYSTEMD ? " (expected a slice name such as kubepods-besteffort.slice, or its path as kubelet expands it)" : ""));
    }
  }

  /** A slice name, or a path of them ending in one, as kubelet expands it: every part a valid slice name. */
  private static boolean isSlicePath(String parent) {
    String[] parts = (parent.startsWith("/") ? parent.substring(1) : parent).split("/", -1);
    for (String part : parts) {
      if (!SLICE.matcher(part).matches() || part.startsWith("-") || part.contains("--")) {
        return false;
      }
    }
    return true;
  }

  /** pause's cgroup path relative to each hierarchy root; empty when the pod has no parent. */
  String pathFor(String parent, String sandboxId) {
    if (parent.isEmpty()) {
      return "";
    }
    return switch (driver) {
      case CGROUPFS -> parent + "/" + sandboxId;
      case SYSTEMD -> expandSlice(CgroupDriver.systemdSlice(parent)) + "/podshim-" + sandboxId + ".scope";
    };
  }

  /** The pod's own cgroup (its {@code cgroup_parent}) relative to each hierarchy root; empty when none. */
  String podPath(String parent) {
    if (parent.isEmpty()) {
      return "";
    }
    return driver == CgroupDriver.CGROUPFS ? parent : expandSlice(CgroupDriver.systemdSlice(parent));
  }

  /**
   * Writes the pod-level CPU and memory limits into the pod's cgroup in every hierarchy that has
   * the controller: v1 cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us and memory.limit_in_bytes;
   * v2 cpu.weight, cpu.max and memory.max. Unset values (0) are left as they are. Under systemd
   * the files are written as runc's systemd driver writes them, beside the unit properties kubelet
   * already set.
   */
  void applyPodLimits(String podPath, PodResources limits) throws IOException {
    if (podPath.isEmpty()) {
      return;
    }
    long period = limits.resources().cpuPeriod() != 0 ? limits.resources().cpuPeriod() : DEFAULT_CPU_PERIOD_US;
    long quota = limits.cpuQuota();
    for (Hierarchy h : hierarchies) {
      Path dir = h.mountPoint().resolve(podPath.substring(1));
      if (!Files.isDirectory(dir)) {
        continue;
      }
      writeIfPresent(dir, "cpu.shares", limits.cpuShares());
      if (quota != 0) {
        writeIfPresent(dir, "cpu.cfs_period_us", period);
        writeIfPresent(dir, "cpu.cfs_quota_us", quota);
        writeIfPresent(dir, "cpu.max", (quota < 0 ? "max" : Long.toString(quota)) + " " + period);
      }
      if (limits.cpuShares() != 0) {
        writeIfPresent(dir, "cpu.weight", cpuWeight(limits.cpuShares()));
      }
      writeIfPresent(dir, "memory.limit_in_bytes", limits.memoryLimitBytes());
      writeIfPresent(dir, "memory.max", limits.memoryLimitBytes());
    }
  }

  /** runc's and kubelet's conversion of v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000). */
  static long cpuWeight(long shares) {
    return 1 + ((shares - 2) * 9999) / 262142;
  }

  private static void writeIfPresent(Path dir, String file, long value) throws IOException {
    if (value != 0) {
      writeIfPresent(dir, file, Long.toString(value));
    }
  }

  private static void writeIfPresent(Path dir, String file, String value) throws IOException {
    Path path = dir.resolve(file);
    if (Files.exists(path)) {
      Files.writeString(path, value);
    }
  }

  /** systemd nests {@code a-b-c.slice} as {@code /a.slice/a-b.slice/a-b-c.slice}. */
  static String expandSlice(String slice) {
    String name = slice.substring(0, slice.length() - ".slice".length());
    StringBuilder path = new StringBuilder();
    String prefix = "";
    for (String part : name.split("-")) {
      prefix = prefix.isEmpty() ? part : prefix + "-" + part;
      path.append('/').append(prefix).append(".slice");
    }
    return path.toString();
  }

  /**
   * Creates the directories for {@code relPath} in every hierarchy. Returns the ones it created,
   * parents first, so that they can be removed in reverse when the sandbox goes.
   */
  List<String> create(String relPath) {
    List<String> created = new ArrayList<>();
    if (relPath.isEmpty() || driver == CgroupDriver.SYSTEMD) {
      return created;
    }
    try {
      for (Hierarchy h : hierarchies) {
        Path dir = h.mountPoint();
        for (Path part : Path.of(relPath.substring(1))) {
          Path parent = dir;
          dir = dir.resolve(part.toString());
          try {
            Files.createDirectory(dir);
            created.add(dir.toString());
            if (h.cpusetV1()) {
              inherit(parent, dir, "cpuset.cpus");
              inherit(parent, dir, "cpuset.mems");
            }
          } catch (FileAlreadyExistsException e) {
            // shared pod parent made by kubelet or an earlier sandbox
          }
        }
      }
    } catch (IOException e) {
      remove(created);
      throw CriException.internal("create cgroup " + relPath + ": " + e.getMessage(), e);
    }
    return created;
  }

  /**
   * The parent directories of {@code relPath} that do not exist yet in some hierarchy, parents
   * first: what {@link #create} is about to make besides pause's own leaf. Empty under kubelet,
   * which creates the pod cgroup before RunPodSandbox.
   */
  List<String> missingParents(String relPath) {
    List<String> missing = new ArrayList<>();
    Path parent = relPath.isEmpty() ? null : Path.of(relPath.substring(1)).getParent();
    if (parent == null || driver == CgroupDriver.SYSTEMD) {
      return missing;
    }
    for (Hierarchy h : hierarchies) {
      Path dir = h.mountPoint();
      for (Path part : parent) {
        dir = dir.resolve(part.toString());
        if (!Files.exists(dir)) {
          missing.add(dir.toString());
        }
      }
    }
    return missing;
  }

  /** Moves {@code pid} into {@code relPath} in every hierarchy, or into its scope through systemd. */
  void attach(String relPath, long pid) {
    if (relPath.isEmpty()) {
      return;
    }
    if (driver == CgroupDriver.SYSTEMD) {
      Path scope = Path.of(relPath);
      scopes.start(scope.getFileName().toString(), scope.getParent().getFileName().toString(), pid);
      return;
    }
    for (Hierarchy h : hierarchies) {
      Path procs = h.mountPoint().resolve(relPath.substring(1)).resolve("cgroup.procs");
      try {
        Files.writeString(procs, Long.toString(pid));
      } catch (IOException e) {
        throw CriException.internal("move pause " + pid + " into cgroup " + procs.getParent() + ": " + e.getMessage(), e);
      }
    }
  }

  /** Removes directories this sandbox created, deepest first; a busy one (shared, or still populated) stays. */
  void remove(List<String> created) {
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        Files.deleteIfExists(Path.of(created.get(i)));
      } catch (IOException e) {
        // not empty: another pod or kubelet still uses it
      }
    }
  }

  /** Removes pause's own cgroup in every hierarchy, for a sandbox whose created dirs were never recorded. */
  void removeLeaf(String relPath) {
    // a scope goes with its last process
    if (relPath.isEmpty() || driver == CgroupDriver.SYSTEMD) {
      return;
    }
    remove(hierarchies.stream().map(h -> h.mountPoint().resolve(relPath.substring(1)).toString()).toList());
  }

  private static void inherit(Path parent, Path dir, String file) throws IOException {
    String value = Files.readString(parent.resolve(file)).trim();
    if (!value.isEmpty() && Files.readString(dir.resolve(file)).trim().isEmpty()) {
      Files.writeString(dir.resolve(file), value);
    }
  }
}
