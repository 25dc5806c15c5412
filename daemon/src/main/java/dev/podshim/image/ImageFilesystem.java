package dev.podshim.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The image store's directory under the state root and what it occupies on disk. kubelet's image
 * garbage collector reads these figures through ImageFsInfo, every few seconds: unpacked layers
 * (most of the files) count with the usage recorded when they were unpacked, so a call walks only
 * blobs, metadata and container snapshots.
 */
public final class ImageFilesystem {
  /** Container ids name snapshots; nothing that could leave the snapshots directory. */
  private static final java.util.regex.Pattern SNAPSHOT_KEY = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private final Path dir;
  private final Path mountinfo;
  private final DiskUsage.Known known;
  /** The store's mount point and when it was read: kubelet asks with every container's stats. */
  private volatile @org.jspecify.annotations.Nullable CachedMount storeMount;

  private record CachedMount(String mountpoint, long readAtNanos) {}

  /**
   * How long the store's mount point is reused. Reading it walks every mount of the host (hundreds
   * with 110 pods): per container stats call it was half the daemon's Java CPU under kubelet. A
   * filesystem mounted over the state root while the daemon runs shows within this time.
   */
  private static final long MOUNT_REREAD_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

  /** What the store uses: bytes in allocated blocks and inodes, and the mount that holds it. */
  public record Usage(long timestampNanos, String mountpoint, long usedBytes, long inodesUsed) {}

  /** The store under {@code stateRoot}, measured by walking all of it. */
  public ImageFilesystem(Path stateRoot) {
    this(stateRoot.resolve("images"), Path.of("/proc/self/mountinfo"), dir -> Optional.empty());
  }

  ImageFilesystem(Path dir, Path mountinfo, DiskUsage.Known known) {
    this.dir = dir;
    this.mountinfo = mountinfo;
    this.known = known;
  }

  public Path dir() {
    return dir;
  }

  public Usage usage() {
    try {
      Files.createDirectories(dir);
      DiskUsage used = DiskUsage.measure(dir, known);
      return new Usage(nowNanos(), storeMountpoint(), used.bytes(), used.inodes());
    } catch (IOException e) {
      throw new UncheckedIOException("measure image store " + dir, e);
    }
  }

  /**
   * What the writable layer (overlay upper dir) of snapshot {@code key} holds, walked now; empty
   * when there is no such snapshot. The mount point is the image store's, as ImageFsInfo reports it,
   * so kubelet matches a container's layer to the filesystem it fills.
   */
  public Optional<Usage> writableLayerUsage(String key) {
    if (!SNAPSHOT_KEY.matcher(key).matches()) {
      return Optional.empty();
    }
    Path upper = dir.resolve("snapshots").resolve(key).resolve("upper");
    try {
      if (!Files.isDirectory(upper)) {
        return Optional.empty();
      }
      DiskUsage used = DiskUsage.measure(upper);
      return Optional.of(new Usage(nowNanos(), storeMountpoint(), used.bytes(),
          used.inodes()));
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty(); // released while we walked
    } catch (IOException e) {
      throw new UncheckedIOException("measure writable layer " + upper, e);
    }
  }

  private static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private String storeMountpoint() throws IOException {
    CachedMount cached = storeMount;
    long now = System.nanoTime();
    if (cached == null || now - cached.readAtNanos() > MOUNT_REREAD_NANOS) {
      cached = new CachedMount(mountpointOf(dir), now);
      storeMount = cached;
    }
    return cached.mountpoint();
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
