package dev.podshim.e2e.kubelet;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a kubelet run changes on the node outside its own folders, noted before it starts and put
 * back after it stopped: the sysctls it sets, the bind mount of its root dir onto itself, the
 * cgroup tree under its cgroup root (which must exist before it starts), its iptables chains, and
 * what it makes at fixed paths: symlinks in /var/log/containers and the device plugin socket
 * /var/lib/kubelet/device-plugins/kubelet.sock (whatever its root dir).
 */
final class KubeletHostChanges {
  /** The sysctls kubelet sets (protectKernelDefaults off), with the values it sets. */
  private static final Map<String, String> SYSCTLS = Map.of("vm/overcommit_memory", "1", "kernel/panic", "10",
      "kernel/panic_on_oops", "1");
  static final Path CGROUPS = Path.of("/sys/fs/cgroup");
  static final Path CONTAINER_LOG_LINKS = Path.of("/var/log/containers");
  private static final Path DEFAULT_ROOT = Path.of("/var/lib/kubelet");
  private static final Path DEVICE_PLUGIN_SOCKET = DEFAULT_ROOT.resolve("device-plugins/kubelet.sock");

  private final Path rootDir;
  private final Path podLogs;
  private final String cgroupRoot;
  private final Map<String, String> sysctls = new LinkedHashMap<>();
  private final boolean logLinksExisted;
  private final boolean defaultRootExisted;
  private final boolean devicePluginSocketExisted;
  private final IptablesChains iptables;

  private KubeletHostChanges(Path rootDir, Path podLogs, String cgroupRoot) throws IOException, InterruptedException {
    this.rootDir = rootDir;
    this.podLogs = podLogs;
    this.cgroupRoot = cgroupRoot;
    for (String key : SYSCTLS.keySet()) {
      sysctls.put(key, Files.readString(Path.of("/proc/sys", key)).strip());
    }
    this.logLinksExisted = Files.isDirectory(CONTAINER_LOG_LINKS);
    this.defaultRootExisted = Files.exists(DEFAULT_ROOT);
    this.devicePluginSocketExisted = Files.exists(DEVICE_PLUGIN_SOCKET);
    this.iptables = IptablesChains.before();
  }

  /** Notes the node's state and makes the cgroup root kubelet requires, in every hierarchy. */
  static KubeletHostChanges before(Kubelet kubelet) throws IOException, InterruptedException {
    KubeletHostChanges changes = new KubeletHostChanges(kubelet.rootDir, kubelet.podLogs, kubelet.cgroupRoot);
    for (Path hierarchy : hierarchies()) {
      Path dir = hierarchy.resolve(changes.cgroupRoot.substring(1));
      Files.createDirectories(dir);
      if (hierarchy.getFileName().toString().equals("cpuset")) {
        // a v1 cpuset cgroup takes no tasks (nor children that do) until it has CPUs and memory nodes
        for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
          Files.writeString(dir.resolve(file), Files.readString(hierarchy.resolve(file)).strip());
        }
      }
    }
    return changes;
  }

  /** Processes of a kubelet binary running now (this run's has stopped by then). */
  static List<Long> otherKubelets() {
    return ProcessHandle.allProcesses()
        // a process's command can be "/" (no file name): never a kubelet
        .filter(p -> p.info().command().map(c -> Path.of(c).endsWith("kubelet")).orElse(false))
        .map(ProcessHandle::pid).toList();
  }

  /** The mounted cgroup hierarchies (v1 controllers, named ones, and the v2 one). */
  static List<Path> hierarchies() throws IOException {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(CGROUPS, Files::isDirectory)) {
      dirs.forEach(d -> {
        if (Files.exists(d.resolve("cgroup.procs"))) {
          found.add(d);
        }
      });
    }
    return found;
  }

  /** The cgroup directories under the suite's cgroup root, in every hierarchy, deepest first. */
  List<Path> cgroups() throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (Path hierarchy : hierarchies()) {
      Path top = hierarchy.resolve(cgroupRoot.substring(1));
      if (Files.isDirectory(top)) {
        try (Stream<Path> walk = Files.walk(top)) {
          walk.filter(Files::isDirectory).forEach(dirs::add);
        }
      }
    }
    dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    return dirs;
  }

  /** Puts the node back; run after kubelet stopped and its pods are gone. Returns what it could not undo. */
  List<String> undo() throws IOException, InterruptedException {
    List<String> problems = new ArrayList<>();
    unmountRootDir(problems);
    removeCgroups(problems);
    removeLogLinks(problems);
    if (otherKubelets().isEmpty()) {
      // a kubelet started since uses them too (its device manager even replaced the socket)
      removeDevicePluginSocket();
      problems.addAll(iptables.removeAdded());
    }
    List<String> restored = new ArrayList<>();
    for (Map.Entry<String, String> e : sysctls.entrySet()) {
      Path file = Path.of("/proc/sys", e.getKey());
      String now = Files.readString(file).strip();
      // only while it holds kubelet's value: one set since by someone else stays
      if (!now.equals(e.getValue()) && now.equals(SYSCTLS.get(e.getKey()))) {
        Files.writeString(file, e.getValue());
        restored.add(e.getKey() + " " + now + " -> " + e.getValue());
      }
    }
    System.out.println("kubelet e2e: sysctls put back: " + restored);
    return problems;
  }

  private void unmountRootDir(List<String> problems) throws IOException, InterruptedException {
    List<String> mounts = mountsUnder(rootDir);
    // newest (last listed) first: the self bind mount of the root dir is below what is mounted in it
    for (int i = mounts.size() - 1; i >= 0; i--) {
      Process p = new ProcessBuilder("umount", mounts.get(i)).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        problems.add("umount " + mounts.get(i) + ": " + out.strip());
      }
    }
  }

  static List<String> mountsUnder(Path dir) throws IOException {
    List<String> found = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = line.split(" ")[4];
      if (Path.of(mountPoint).startsWith(dir)) {
        found.add(mountPoint);
      }
    }
    return found;
  }

  private void removeCgroups(List<String> problems) throws IOException, InterruptedException {
    // a cgroup whose last task just exited can be busy for a moment: a few rounds, deepest first
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<Path> left = cgroups();
    while (true) {
      List<String> failures = new ArrayList<>();
      for (Path dir : left) {
        try {
          Files.deleteIfExists(dir);
        } catch (IOException e) {
          failures.add("rmdir " + dir + ": " + e);
        }
      }
      left = cgroups();
      if (left.isEmpty() || System.nanoTime() > deadline) {
        problems.addAll(failures.stream().limit(10).toList());
        return;
      }
      Thread.sleep(200);
    }
  }

  private void removeDevicePluginSocket() throws IOException {
    if (!defaultRootExisted) {
      try (Stream<Path> walk = Files.walk(DEFAULT_ROOT)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      } catch (NoSuchFileException e) {
        // not made after all
      }
    } else if (!devicePluginSocketExisted) {
      Files.deleteIfExists(DEVICE_PLUGIN_SOCKET);
    }
  }

  /** kubelet's pod cgroups ({@code pod<uid>} under kubepods, any QoS class, any hierarchy). */
  List<Path> podCgroups() throws IOException {
    List<Path> pods = new ArrayList<>();
    for (Path hierarchy : hierarchies()) {
      Path kubepods = hierarchy.resolve(cgroupRoot.substring(1)).resolve("kubepods");
      if (Files.isDirectory(kubepods)) {
        try (Stream<Path> walk = Files.walk(kubepods)) {
          walk.filter(d -> Files.isDirectory(d) && d.getFileName().toString().startsWith("pod")).forEach(pods::add);
        }
      }
    }
    return pods;
  }

  /** This kubelet's links in /var/log/containers (to its containers' logs). */
  List<Path> containerLogLinks() throws IOException {
    List<Path> links = new ArrayList<>();
    if (Files.isDirectory(CONTAINER_LOG_LINKS)) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(CONTAINER_LOG_LINKS)) {
        for (Path link : entries) {
          if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).startsWith(podLogs)) {
            links.add(link);
          }
        }
      }
    }
    return links;
  }

  private void removeLogLinks(List<String> problems) throws IOException {
    for (Path link : containerLogLinks()) {
      problems.add("kubelet left " + link);
      Files.delete(link);
    }
    if (!logLinksExisted && Files.isDirectory(CONTAINER_LOG_LINKS)) {
      try (Stream<Path> left = Files.list(CONTAINER_LOG_LINKS)) {
        if (left.findAny().isEmpty()) {
          Files.delete(CONTAINER_LOG_LINKS);
        }
      }
    }
  }
}
