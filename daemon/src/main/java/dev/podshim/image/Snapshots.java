package dev.podshim.image;

import dev.podshim.errors.Cleanup;
import dev.podshim.errors.CriException;
import dev.podshim.os.IdmappedMount;
import dev.podshim.os.Mounts;
import dev.podshim.os.OsException;
import dev.podshim.store.StateFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Container root file systems: an overlayfs whose lower dirs are the image's unpacked layers
 * (shared, read-only) and whose upper and work dirs belong to the container, under
 * {@code images/snapshots/<key>/}. A snapshot holds its layers against garbage collection until
 * it is released, even if its image is removed meanwhile.
 */
public final class Snapshots {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private final Path dir;
  private final ImageService images;
  private final ReentrantLock storeLock;

  /** Where a snapshot's id-mapped lower dirs are attached while its overlayfs is mounted. */
  private static final String MAPPED_LOWERS = "mapped-lowers";

  /**
   * The owner of a rootfs in a pod user namespace: the pinned namespace, whose mappings the layers
   * are seen through, and the host uid and gid of the pod's root, who owns the upper dir.
   */
  public record PodRoot(Path userns, long hostUid, long hostGid) {
    public PodRoot {
      java.util.Objects.requireNonNull(userns, "userns");
    }
  }

  /**
   * What {@code snapshot.json} (and an image volume's {@code volume.json}) keeps: the image and the
   * layers it stacks, bottom first.
   */
  record Meta(String imageId, List<String> chainIds) {}

  Snapshots(Path dir, ImageService images, ReentrantLock storeLock) {
    this.dir = dir;
    this.images = images;
    this.storeLock = storeLock;
  }

  /**
   * Mounts a rootfs for {@code key} from the image {@code imageId} (id, tag or digest) and returns
   * its path. Preparing a key that is already mounted returns the same rootfs. NOT_FOUND when the
   * image is unknown; INVALID_ARGUMENT for a bad key.
   */
  public Path prepare(String imageId, String key) {
    return prepare(imageId, key, null);
  }

  /**
   * As {@link #prepare(String, String)}, for a container in a pod user namespace when {@code
   * owner} is set: overlayfs takes id-mapped lower dirs (Linux 5.19), so the shared layers read
   * as owned by the pod's ids without a copy or chown, and the container's own upper dir is the
   * pod root's. The id-mapped lowers are detached once the overlay holds them.
   */
  public Path prepare(String imageId, String key, @org.jspecify.annotations.Nullable PodRoot owner) {
    if (!KEY.matcher(key).matches()) {
      throw CriException.invalidArgument("snapshot key \"" + key + "\": expected [A-Za-z0-9_.-], at most 128 characters");
    }
    Path snap = dir.resolve(key);
    Path rootfs = snap.resolve("rootfs");
    try (Cleanup cleanup = new Cleanup("prepare snapshot " + key)) {
      List<Path> lowers;
      Path upper;
      Path work;
      // The store lock is held only until snapshot.json names the layers, from when on garbage
      // collection keeps them. The mount runs outside it: the key is the caller's alone (a container
      // id, under that container's lifecycle lock), and in a burst of CreateContainers each waited
      // here behind the others' mounts (~130 ms of a 210 ms call, 30 pods x 2 under kubelet).
      storeLock.lock();
      try {
        if (Files.exists(snap.resolve("snapshot.json")) && Mounts.isMountPoint(rootfs)) {
          return rootfs;
        }
        List<Digest> chain = images.chainIds(imageId)
            .orElseThrow(() -> CriException.notFound("image " + imageId + " not found"));
        lowers = new ArrayList<>(images.lowersTopFirst(imageId, chain));
        unmountAll(rootfs); // a stale snapshot: never delete through a live mount
        unmountMappedLowers(snap);
        LayerUnpacker.deleteTree(snap);
        Files.createDirectories(snap);
        cleanup.push("remove " + snap, () -> LayerUnpacker.deleteTree(snap));
        upper = Files.createDirectories(snap.resolve("upper"));
        work = Files.createDirectories(snap.resolve("work"));
        Files.createDirectories(rootfs);
        StateFile.write(snap.resolve("snapshot.json"), new Meta(imageId, chain.stream().map(Digest::toString).toList()));
        if (lowers.isEmpty()) {
          lowers.add(Files.createDirectories(snap.resolve("empty")));
        }
      } finally {
        storeLock.unlock();
      }
      try {
        if (owner == null) {
          Mounts.overlay(rootfs, lowers, upper, work);
        } else {
          mountMapped(snap, rootfs, lowers, upper, work, owner);
        }
      } catch (OsException e) {
        if (e.errno() == OsException.E2BIG) {
          throw new CriException(CriException.Kind.FAILED_PRECONDITION, "prepare snapshot " + key
              + ": image " + imageId + " has too many layers: " + e.getMessage());
        }
        throw LayerUnpacker.ioException(e);
      }
      cleanup.commit();
      return rootfs;
    } catch (IOException e) {
      throw CriException.internal("prepare snapshot " + key + ": " + e.getMessage(), e);
    }
  }

  /** Unmounts and deletes a snapshot; releasing an unknown key succeeds. */
  public void release(String key) {
    if (!KEY.matcher(key).matches()) {
      return;
    }
    Path snap = dir.resolve(key);
    storeLock.lock();
    try {
      unmountAll(snap.resolve("rootfs"));
      unmountMappedLowers(snap);
      LayerUnpacker.deleteTree(snap);
    } catch (IOException e) {
      throw CriException.internal("release snapshot " + key + ": " + e.getMessage(), e);
    } finally {
      storeLock.unlock();
    }
  }

  private static void mountMapped(Path snap, Path rootfs, List<Path> lowers, Path upper, Path work, PodRoot owner)
      throws IOException {
    // uid_t is unsigned: kubelet's ranges go past 2^31, which an int carries as a negative number
    Files.setAttribute(upper, "unix:uid", (int) owner.hostUid());
    Files.setAttribute(upper, "unix:gid", (int) owner.hostGid());
    Path dir = Files.createDirectories(snap.resolve(MAPPED_LOWERS));
    try {
      List<Path> mapped = new ArrayList<>();
      for (int i = 0; i < lowers.size(); i++) {
        Path target = Files.createDirectory(dir.resolve(Integer.toString(i)));
        IdmappedMount.mount(lowers.get(i), target, owner.userns(), false);
        mapped.add(target);
      }
      Mounts.overlay(rootfs, mapped, upper, work);
    } finally {
      // overlayfs keeps private clones of its layers: the attached copies can go at once
      unmountMappedLowers(snap);
    }
  }

  /** Detaches and deletes the id-mapped lowers; a delete through one would empty a shared layer. */
  private static void unmountMappedLowers(Path snap) throws IOException {
    Path dir = snap.resolve(MAPPED_LOWERS);
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var entries = Files.list(dir)) {
      for (Path lower : entries.toList()) {
        unmountAll(lower);
        Files.delete(lower);
      }
    }
    Files.delete(dir);
  }

  /** Unmounts everything stacked on {@code rootfs}; fails rather than leave a mount one might delete through. */
  static void unmountAll(Path rootfs) throws IOException {
    for (int i = 0; i < 16 && Files.exists(rootfs) && Mounts.isMountPoint(rootfs); i++) {
      Mounts.unmount(rootfs);
    }
    if (Files.exists(rootfs) && Mounts.isMountPoint(rootfs)) {
      throw new IOException(rootfs + " is still mounted");
    }
  }

  /** Whether a snapshot exists for the key. */
  public boolean exists(String key) {
    return KEY.matcher(key).matches() && Files.exists(dir.resolve(key).resolve("snapshot.json"));
  }

  /** Chain ids every existing snapshot stacks, kept by garbage collection. */
  Set<Digest> chainIdsInUse() {
    return chainIdsRecorded(dir, "snapshot.json");
  }

  /**
   * The chain ids that the {@link Meta} file {@code metaName} of each directory in {@code parent}
   * records (snapshots, image volumes).
   */
  static Set<Digest> chainIdsRecorded(Path parent, String metaName) {
    Set<Digest> out = new HashSet<>();
    if (!Files.isDirectory(parent)) {
      return out;
    }
    try (var entries = Files.list(parent)) {
      for (Path entry : (Iterable<Path>) entries::iterator) {
        try {
          for (String c : StateFile.read(entry.resolve(metaName), Meta.class).chainIds()) {
            out.add(Digest.parse(c));
          }
        } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
          // released while we list (or not yet recorded): it keeps nothing
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("list " + parent, e);
    }
    return out;
  }
}
