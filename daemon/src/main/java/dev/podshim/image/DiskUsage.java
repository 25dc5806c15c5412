package dev.podshim.image;

import dev.podshim.os.FileCalls;
import dev.podshim.os.OsException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a directory tree occupies, as du counts it: allocated blocks (sparse files and
 * directories included) and inodes, each inode once however many hard links name it (a busybox
 * layer holds hundreds of links to one binary). Mounts inside the tree (the rootfs of a prepared
 * snapshot) are not entered. Entries that vanish while the walk passes (a container's snapshot
 * removed, a pull's temporary renamed) are not counted and are no error: the store changes all the
 * time, and kubelet's eviction manager cannot sync when ImageFsInfo fails.
 */
record DiskUsage(long bytes, long inodes) {
  static final DiskUsage NONE = new DiskUsage(0, 0);

  /** Usage already known for a directory, so that the walk need not enter it (an unpacked layer). */
  @FunctionalInterface
  interface Known {
    Optional<DiskUsage> of(Path dir) throws IOException;
  }

  DiskUsage plus(DiskUsage other) {
    return new DiskUsage(bytes + other.bytes, inodes + other.inodes);
  }

  /** Walks {@code root} once. */
  static DiskUsage measure(Path root) throws IOException {
    return measure(root, dir -> Optional.empty());
  }

  /** Walks {@code root}, taking the usage of the directories {@code known} answers for as given. */
  static DiskUsage measure(Path root, Known known) throws IOException {
    Object device = Files.getAttribute(root, "unix:dev");
    Set<Object> seen = new HashSet<>();
    DiskUsage[] total = {NONE};
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        try {
          if (!Files.getAttribute(d, "unix:dev").equals(device)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          Optional<DiskUsage> recorded = d.equals(root) ? Optional.empty() : known.of(d);
          if (recorded.isPresent()) {
            total[0] = total[0].plus(recorded.get());
            return FileVisitResult.SKIP_SUBTREE;
          }
        } catch (NoSuchFileException e) {
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

      @Override
      public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
        return vanished(e);
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, @Nullable IOException e) throws IOException {
        return e == null ? FileVisitResult.CONTINUE : vanished(e);
      }

      /** Goes on past an entry removed under the walk; any other failure ends it. */
      private FileVisitResult vanished(IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      private void count(Path p, BasicFileAttributes attrs) throws IOException {
        if (!seen.add(attrs.fileKey())) {
          return; // another hard link to an inode already counted
        }
        try {
          total[0] = total[0].plus(new DiskUsage(FileCalls.allocatedBytes(p), 1));
        } catch (OsException e) {
          if (e.errno() != OsException.ENOENT) {
            throw LayerUnpacker.ioException(e);
          }
        }
      }
    });
    return total[0];
  }
}
