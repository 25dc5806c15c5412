package dev.podshim.e2e.vm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Directories that are expensive to make (the VM image, its saved state), kept outside the
 * checkout so a machine makes each once. An entry is built in a temporary directory beside it and
 * renamed into place, so a reader sees a whole entry or none; a lock file makes concurrent builders
 * (two checkouts, two CI runs) wait for each other instead of building twice or on top of each other.
 */
final class VmCache {
  /** Where entries live unless {@code PODSHIM_VM_CACHE} says otherwise. */
  static final Path DEFAULT_ROOT = Path.of("/var/cache/podshim-vm");

  /** Fills a fresh directory; throws when it cannot, and the half-made directory is removed. */
  @FunctionalInterface
  interface Builder {
    void build(Path dir) throws Exception;
  }

  private final Path root;

  VmCache(Path root) {
    this.root = root;
  }

  static VmCache fromEnvironment() {
    String dir = System.getenv("PODSHIM_VM_CACHE");
    return new VmCache(dir == null || dir.isBlank() ? DEFAULT_ROOT : Path.of(dir));
  }

  Path root() {
    return root;
  }

  /** The entry {@code name} (a path relative to the root), built by {@code builder} if it is missing. */
  Path obtain(String name, Builder builder) throws Exception {
    Path entry = root.resolve(name);
    if (Files.isDirectory(entry)) {
      return entry;
    }
    Files.createDirectories(entry.getParent());
    // FileLock is per process: threads of this JVM queue on the monitor, other processes on the lock
    synchronized (VmCache.class) {
      try (FileChannel channel = FileChannel.open(entry.resolveSibling(entry.getFileName() + ".lock"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
        if (Files.isDirectory(entry)) {
          return entry;
        }
        removeLeftovers(entry);
        Path temp = Files.createTempDirectory(entry.getParent(), entry.getFileName() + ".building-");
        try {
          builder.build(temp);
          Files.move(temp, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (Exception | Error e) {
          delete(temp);
          throw e;
        }
        return entry;
      }
    }
  }

  /** Under the lock, a temporary directory of this entry is one whose builder died. */
  private static void removeLeftovers(Path entry) throws IOException, InterruptedException {
    try (Stream<Path> siblings = Files.list(entry.getParent())) {
      for (Path left : siblings.filter(p -> p.getFileName().toString().startsWith(entry.getFileName() + ".building-"))
          .toList()) {
        delete(left);
      }
    }
  }

  /**
   * Marks {@code keep} (an entry at the root) used now and removes the root's other entries that
   * no one used for {@code unused}: each recipe change leaves an image of ~750 MB behind. An entry
   * is removed under its own lock, so a build or another checkout's use of it is not cut short.
   */
  void pruneUnused(String keep, Duration unused) throws IOException, InterruptedException {
    Path kept = root.resolve(keep);
    Files.setLastModifiedTime(kept, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
    java.time.Instant cutoff = java.time.Instant.now().minus(unused);
    List<Path> stale;
    try (Stream<Path> entries = Files.list(root)) {
      stale = entries.filter(p -> Files.isDirectory(p) && !p.equals(kept) && !p.getFileName().toString().contains("."))
          .filter(p -> lastUse(p).isBefore(cutoff)).toList();
    }
    for (Path entry : stale) {
      synchronized (VmCache.class) {
        try (FileChannel channel = FileChannel.open(entry.resolveSibling(entry.getFileName() + ".lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
          if (Files.isDirectory(entry) && lastUse(entry).isBefore(cutoff)) {
            delete(entry);
          }
        }
        Files.deleteIfExists(entry.resolveSibling(entry.getFileName() + ".lock"));
      }
    }
  }

  private static java.time.Instant lastUse(Path entry) {
    try {
      return Files.getLastModifiedTime(entry).toInstant();
    } catch (IOException e) {
      return java.time.Instant.now(); // gone or unreadable: not ours to remove now
    }
  }

  /** rm -rf: a root filesystem has device nodes and files only root may remove. */
  static void delete(Path dir) throws IOException, InterruptedException {
    HostCommand.run(List.of("rm", "-rf", "--one-file-system", dir.toString()), Duration.ofMinutes(5)).orThrow();
  }
}
