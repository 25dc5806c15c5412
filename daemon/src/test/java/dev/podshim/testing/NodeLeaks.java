package dev.podshim.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a state root has left on the node: mounts under it, live pause processes from its binaries,
 * sandbox and container dirs, live conmon processes for its containers, OCI runtime state, and the
 * links conmon makes to reach containers' attach sockets by a short path.
 */
public record NodeLeaks(List<String> mounts, List<Long> pauses, List<String> sandboxDirs, List<String> containerDirs,
    List<Long> conmons, List<String> runtimeStates, List<String> sockets) {

  public static NodeLeaks of(Path root) throws IOException {
    List<String> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = line.split(" ")[4];
      if (mountPoint.startsWith(root.toString())) {
        mounts.add(mountPoint);
      }
    }
    List<String> runtimeStates = new ArrayList<>();
    for (String handler : listDir(root.resolve("runtimes"))) {
      listDir(root.resolve("runtimes").resolve(handler)).forEach(id -> runtimeStates.add(handler + "/" + id));
    }
    return new NodeLeaks(mounts, pausesOf(root), listDir(root.resolve("sandboxes")), listDir(root.resolve("containers")),
        conmonsOf(root), runtimeStates, listDir(root.resolve("sockets")));
  }

  /** Live (not zombie) processes whose executable is a pause binary under {@code root}. */
  public static List<Long> pausesOf(Path root) throws IOException {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        try {
          Path exe = Files.readSymbolicLink(proc.resolve("exe"));
          String stat = Files.readString(proc.resolve("stat"));
          char state = stat.charAt(stat.lastIndexOf(')') + 2);
          if (exe.startsWith(root.resolve("bin")) && state != 'Z') {
            pids.add(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException e) {
          // exited or kernel thread
        }
      }
    }
    return pids;
  }

  /** Live (not zombie) conmon processes whose command line names a directory under {@code root}. */
  public static List<Long> conmonsOf(Path root) throws IOException {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        try {
          String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
          String stat = Files.readString(proc.resolve("stat"));
          char state = stat.charAt(stat.lastIndexOf(')') + 2);
          if (stat.contains("(conmon)") && cmdline.contains(root.toString()) && state != 'Z') {
            pids.add(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException e) {
          // exited or kernel thread
        }
      }
    }
    return pids;
  }

  /** Top-level cgroup directories, in any mounted hierarchy, whose name starts with {@code prefix}. */
  public static List<Path> cgroupDirsStartingWith(String prefix) throws IOException {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> hierarchies = Files.newDirectoryStream(Path.of("/sys/fs/cgroup"), Files::isDirectory)) {
      for (Path hierarchy : hierarchies) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(hierarchy, d -> d.getFileName().toString().startsWith(prefix))) {
          dirs.forEach(found::add);
        }
      }
    }
    return found;
  }

  private static List<String> listDir(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        entries.forEach(e -> names.add(e.getFileName().toString()));
      }
    }
    return names;
  }

  public boolean empty() {
    return mounts.isEmpty() && pauses.isEmpty() && sandboxDirs.isEmpty() && containerDirs.isEmpty()
        && conmons.isEmpty() && runtimeStates.isEmpty() && sockets.isEmpty();
  }
}
