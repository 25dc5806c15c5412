package dev.podshim.image;

import dev.podshim.os.FileCalls;
import dev.podshim.os.OsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The image store's directory under the state root and what it occupies on disk. kubelet's image
 * garbage collector reads these figures through ImageFsInfo.
 */
public final class ImageFilesystem {
  private final Path dir;
  private final Path mountinfo;

  /** What the store uses: bytes in allocated blocks and inodes, and the mount that holds it. */
  public record Usage(long timestampNanos, String mountpoint, long usedBytes, long inodesUsed) {}

  public ImageFilesystem(Path stateRoot) {
    this(stateRoot.resolve("images"), Path.of("/proc/self/mountinfo"));
  }

  ImageFilesystem(Path dir, Path mountinfo) {
    this.dir = dir;
    this.mountinfo = mountinfo;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Walks the store once. Like du, an inode counts once however many hard links name it (a
   * busybox layer holds hundreds of links to one binary), and mounts inside the store (the
   * rootfs of a prepared snapshot) are not entered: their lower layers are counted where they live.
   */
  public Usage usage() {
    try {
      Files.createDirectories(dir);
      Object storeDevice = Files.getAttribute(dir, "unix:dev");
      Set<Object> seen = new HashSet<>();
      long[] totals = new long[2];
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
          if (!Files.getAttribute(d, "unix:dev").equals(storeDevice)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          count(d, attrs);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
          count(f, attrs);
          return FileVisitResult.CONTINUE;
        }

        private void count(Path p, BasicFileAttributes attrs) throws IOException {
          if (!seen.add(attrs.fileKey())) {
            return; // another hard link to an inode already counted
          }
          // allocated blocks, as du counts them: sparse files and directories included
          try {
            totals[0] += FileCalls.allocatedBytes(p);
          } catch (OsException e) {
            throw LayerUnpacker.ioException(e);
          }
          totals[1]++;
        }
      });
      return new Usage(System.currentTimeMillis() * 1_000_000L, mountpointOf(dir), totals[0], totals[1]);
    } catch (IOException e) {
      throw new UncheckedIOException("measure image store " + dir, e);
    }
  }

  /** The longest mount point that contains {@code path}. */
  String mountpointOf(Path path) throws IOException {
    Path real = path.toRealPath();
    String best = "/";
    List<String> lines = Files.readAllLines(mountinfo);
    for (String line : lines) {
      String[] fields = line.split(" ");
      if (fields.length < 5) {
        continue;
      }
      String mount = unescape(fields[4]);
      if (real.startsWith(mount) && mount.length() > best.length()) {
        best = mount;
      }
    }
    return best;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
