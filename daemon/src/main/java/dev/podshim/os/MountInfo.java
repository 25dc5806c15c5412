package dev.podshim.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The mount table of a mountinfo file (proc(5)), as far as mount propagation needs it: each
 * mount point and whether it is shared ({@code shared:N}) or a slave ({@code master:N}).
 */
public final class MountInfo {

  /** One mount: its mount point and its propagation peers. */
  public record Mount(Path mountPoint, boolean shared, boolean slave) {}

  private final List<Mount> mounts;

  private MountInfo(List<Mount> mounts) {
    this.mounts = List.copyOf(mounts);
  }

  /** Reads a mountinfo file, normally /proc/self/mountinfo. */
  public static MountInfo read(Path file) {
    try {
      return parse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file, e);
    }
  }

  static MountInfo parse(String text) {
    List<Mount> mounts = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] fields = line.split(" ");
      if (fields.length < 7) {
        continue;
      }
      boolean shared = false;
      boolean slave = false;
      for (int i = 6; i < fields.length && !fields[i].equals("-"); i++) {
        shared |= fields[i].startsWith("shared:");
        slave |= fields[i].startsWith("master:");
      }
      mounts.add(new Mount(Path.of(Mounts.unescape(fields[4])), shared, slave));
    }
    return new MountInfo(mounts);
  }

  /**
   * The mount {@code path} (absolute, symlinks already resolved) lies on: the longest mount point
   * that contains it, the topmost where several are stacked. Null only if not even / is listed.
   */
  public @Nullable Mount containing(Path path) {
    Mount best = null;
    for (Mount m : mounts) {
      if (path.startsWith(m.mountPoint())
          && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
        best = m;
      }
    }
    return best;
  }
}
