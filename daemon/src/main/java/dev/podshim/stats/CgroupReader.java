package dev.podshim.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads one cgroup's usage, given its path relative to the hierarchy root ({@code /kubepods/pod…/…}),
 * from whichever cgroup version holds the controllers on this machine.
 */
interface CgroupReader {
  /** The reading; null when the cgroup does not exist (a container that was never started, or removed). */
  @Nullable CgroupSample read(String relPath, Detail depth) throws IOException;

  /**
   * The reader for this machine, from its mount table: v1 when the memory controller is mounted
   * as a v1 hierarchy (hybrid hosts put only a controller-less or hugetlb v2 tree beside it), else
   * the unified v2 tree; null when neither is mounted.
   */
  static @Nullable CgroupReader detect(Path mountinfo) throws IOException {
    Map<String, Path> v1 = new HashMap<>();
    Path unified = null;
    for (String line : Files.readAllLines(mountinfo)) {
      String[] halves = line.split(" - ", 2);
      if (halves.length < 2) {
        continue;
      }
      String[] pre = halves[0].split(" ");
      String[] post = halves[1].split(" ");
      if (pre.length < 5 || post.length < 3) {
        continue;
      }
      Path mountPoint = Path.of(pre[4]);
      if (post[0].equals("cgroup2")) {
        unified = mountPoint;
      } else if (post[0].equals("cgroup")) {
        for (String option : post[2].split(",")) {
          if (CgroupV1Reader.CONTROLLERS.contains(option)) {
            v1.putIfAbsent(option, mountPoint);
          }
        }
      }
    }
    if (v1.containsKey("memory")) {
      return new CgroupV1Reader(v1);
    }
    return unified == null ? null : new CgroupV2Reader(unified);
  }

  /** The cgroup directory under {@code root}: relative paths carry a leading slash. */
  static Path under(Path root, String relPath) {
    String rel = relPath.startsWith("/") ? relPath.substring(1) : relPath;
    return rel.isEmpty() ? root : root.resolve(rel);
  }

  /** A path any cgroup file name would do for: no "..", nothing absolute once the slash is off. */
  static boolean plausible(String relPath) {
    return !List.of(relPath.split("/")).contains("..");
  }
}
