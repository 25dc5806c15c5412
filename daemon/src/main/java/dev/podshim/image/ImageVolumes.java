package dev.podshim.image;

import dev.podshim.errors.Cleanup;
import dev.podshim.errors.CriException;
import dev.podshim.os.Mounts;
import dev.podshim.os.OsException;
import dev.podshim.store.StateFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Images mounted read-only as volumes (CRI {@code Mount.image}): one overlayfs of the image's
 * unpacked layers per image, under {@code images/volumes/<image id hex>/rootfs}, shared by every
 * container that mounts the image. Each container holding it is a file in {@code holders/}, so the
 * count survives a restart; the last release unmounts and deletes the volume. Like a snapshot, a
 * volume keeps its layers from garbage collection, and an image with holders cannot be removed.
 */
public final class ImageVolumes {
  private static final Pattern HOLDER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final String META = "volume.json";

  private final Path dir;
  private final ImageService images;
  private final ReentrantLock storeLock;

  ImageVolumes(Path dir, ImageService images, ReentrantLock storeLock) {
    this.dir = dir;
    this.images = images;
    this.storeLock = storeLock;
  }

  /**
   * The read-only root of the image {@code reference} (id, tag or digest) mounted for {@code
   * holder}, mounting it when no one holds it yet. Acquiring twice for one holder holds once.
   * NOT_FOUND when the image is unknown.
   */
  public Path acquire(String reference, String holder) {
    checkHolder(holder);
    storeLock.lock();
    try (Cleanup cleanup = new Cleanup("mount image volume " + reference)) {
      ImageRecord image = ImageService.find(images.records(), reference)
          .orElseThrow(() -> CriException.notFound("image " + reference + " not found; pull it first"));
      Path volume = dir.resolve(Digest.parse(image.id()).hex());
      Path rootfs = volume.resolve("rootfs");
      if (!Files.exists(volume.resolve(META)) || !Mounts.isMountPoint(rootfs)) {
        mount(image, volume, rootfs, cleanup);
      }
      Path holders = Files.createDirectories(volume.resolve("holders"));
      Files.writeString(holders.resolve(holder), "");
      cleanup.commit();
      return rootfs;
    } catch (IOException e) {
      throw CriException.internal("mount image volume " + reference + ": " + e.getMessage(), e);
    } finally {
      storeLock.unlock();
    }
  }

  /** Mounts the volume afresh; holders recorded before (a volume unmounted by a reboot) stay. */
  private void mount(ImageRecord image, Path volume, Path rootfs, Cleanup cleanup) throws IOException {
    List<Digest> chain = image.layers().stream().map(l -> Digest.parse(l.chainId())).toList();
    List<Path> lowers = new ArrayList<>(images.lowersTopFirst(image.id(), chain));
    boolean fresh = !Files.exists(volume);
    Files.createDirectories(rootfs);
    if (fresh) {
      cleanup.push("remove " + volume, () -> LayerUnpacker.deleteTree(volume));
    }
    StateFile.write(volume.resolve(META),
        new Snapshots.Meta(image.id(), chain.stream().map(Digest::toString).toList()));
    // overlayfs without an upper dir wants two lower dirs: an empty one at the bottom changes nothing
    lowers.add(Files.createDirectories(volume.resolve("empty")));
    try {
      Mounts.readOnlyOverlay(rootfs, lowers);
      if (fresh) {
        cleanup.push("unmount " + rootfs, () -> Mounts.unmount(rootfs));
      }
    } catch (OsException e) {
      if (e.errno() == OsException.E2BIG) {
        throw new CriException(CriException.Kind.FAILED_PRECONDITION, "mount image " + image.id()
            + " as a volume: too many layers: " + e.getMessage());
      }
      throw LayerUnpacker.ioException(e);
    }
  }

  /** Drops every hold of {@code holder}; a volume no one holds any more is unmounted and deleted. */
  public void release(String holder) {
    if (!HOLDER.matcher(holder).matches()) {
      return;
    }
    storeLock.lock();
    try {
      for (Path volume : volumes()) {
        if (Files.deleteIfExists(volume.resolve("holders").resolve(holder))) {
          removeIfUnheld(volume);
        }
      }
    } catch (IOException e) {
      throw CriException.internal("release image volumes of " + holder + ": " + e.getMessage(), e);
    } finally {
      storeLock.unlock();
    }
  }

  /**
   * At start-up: forgets holders that are not among {@code existing} (containers removed while a
   * crash interrupted their teardown) and removes volumes no one holds or that were never finished.
   */
  public int retainOnly(Set<String> existing) {
    storeLock.lock();
    int removed = 0;
    try {
      for (Path volume : volumes()) {
        for (String holder : holders(volume)) {
          if (!existing.contains(holder)) {
            Files.deleteIfExists(volume.resolve("holders").resolve(holder));
          }
        }
        if (removeIfUnheld(volume)) {
          removed++;
        }
      }
      return removed;
    } catch (IOException e) {
      throw CriException.internal("recover image volumes: " + e.getMessage(), e);
    } finally {
      storeLock.unlock();
    }
  }

  /** The holders of the image {@code imageId}'s volume, sorted; empty when it is not mounted as one. */
  public Set<String> holdersOf(String imageId) {
    try {
      return holders(dir.resolve(Digest.parse(imageId).hex()));
    } catch (IOException e) {
      throw new UncheckedIOException("list holders of image volume " + imageId, e);
    }
  }

  /** Chain ids every volume stacks, kept by garbage collection. */
  Set<Digest> chainIdsInUse() {
    return Snapshots.chainIdsRecorded(dir, META);
  }

  private boolean removeIfUnheld(Path volume) throws IOException {
    if (!holders(volume).isEmpty() && Files.exists(volume.resolve(META))) {
      return false;
    }
    Snapshots.unmountAll(volume.resolve("rootfs")); // never delete through a live mount
    LayerUnpacker.deleteTree(volume);
    return true;
  }

  private List<Path> volumes() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).toList();
    }
  }

  private static Set<String> holders(Path volume) throws IOException {
    Set<String> out = new TreeSet<>();
    Path holders = volume.resolve("holders");
    if (!Files.isDirectory(holders)) {
      return out;
    }
    try (var entries = Files.list(holders)) {
      entries.forEach(p -> out.add(p.getFileName().toString()));
    }
    return out;
  }

  private static void checkHolder(String holder) {
    if (!HOLDER.matcher(holder).matches()) {
      throw CriException.invalidArgument("image volume holder \"" + holder
          + "\": expected [A-Za-z0-9_.-], at most 128 characters");
    }
  }
}
