package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.os.Mounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesystemTest {
  @TempDir Path root;

  @Test
  void countsAllocatedBytesAndInodesLikeDu() throws Exception {
    ImageFilesystem fs = new ImageFilesystem(root);
    ImageFilesystem.Usage empty = fs.usage();
    assertThat(empty.inodesUsed()).isEqualTo(1);
    Files.write(root.resolve("images/blob"), new byte[100_000]);
    Files.createSymbolicLink(root.resolve("images/link"), Path.of("blob"));
    ImageFilesystem.Usage used = fs.usage();
    assertThat(used.inodesUsed()).isEqualTo(3);
    assertThat(used.usedBytes() - empty.usedBytes()).isBetween(100_000L, 140_000L);
    assertThat(used.mountpoint()).startsWith("/");
  }

  @Test
  void aHardLinkedFileCountsOnceAndMountsInsideTheStoreAreNotEntered() throws Exception {
    ImageFilesystem fs = new ImageFilesystem(root);
    Path layer = Files.createDirectories(root.resolve("images/layers/l1/fs/bin"));
    Files.write(layer.resolve("busybox"), new byte[1_000_000]);
    ImageFilesystem.Usage one = fs.usage();
    for (int i = 0; i < 50; i++) {
      Files.createLink(layer.resolve("tool" + i), layer.resolve("busybox"));
    }
    Path rootfs = Files.createDirectories(root.resolve("images/snapshots/c1/rootfs"));
    Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
    Files.write(elsewhere.resolve("big"), new byte[2_000_000]);
    Mounts.overlay(rootfs, List.of(elsewhere), Files.createDirectories(root.resolve("images/snapshots/c1/upper")),
        Files.createDirectories(root.resolve("images/snapshots/c1/work")));
    try {
      ImageFilesystem.Usage linked = fs.usage();

      assertThat(linked.usedBytes() - one.usedBytes()).as("directories only, not 50 MB of links nor the mount")
          .isLessThan(100_000L);
      assertThat(linked.inodesUsed() - one.inodesUsed()).as("snapshots, c1, rootfs, upper, work; work's own dir")
          .isLessThanOrEqualTo(7);
    } finally {
      Mounts.unmount(rootfs);
    }
  }

  /** A container's snapshot removed while the walk is inside it, as RemoveContainer does under kubelet's eviction sync. */
  @Test
  void aDirectoryRemovedUnderTheWalkIsLeftOutWithoutFailing() throws Exception {
    Path images = root.resolve("images");
    Path doomed = Files.createDirectories(images.resolve("snapshots/c1/upper/var"));
    Files.write(doomed.resolve("log"), new byte[50_000]);
    Path kept = Files.createDirectories(images.resolve("snapshots/c2/upper"));
    Files.write(kept.resolve("data"), new byte[50_000]);
    ImageFilesystem fs = new ImageFilesystem(images, Path.of("/proc/self/mountinfo"), dir -> {
      if (dir.endsWith("c1")) {
        deleteTree(dir); // gone between the walk's visit and its reading of the directory
      }
      return java.util.Optional.empty();
    });

    ImageFilesystem.Usage usage = fs.usage();

    assertThat(usage.usedBytes()).isGreaterThanOrEqualTo(50_000L);
    assertThat(usage.inodesUsed()).as("images, snapshots, c2, upper, data").isEqualTo(5);
  }

  @Test
  void snapshotsComingAndGoingNeverFailAWalk() throws Exception {
    Path snapshots = Files.createDirectories(root.resolve("images/snapshots"));
    ImageFilesystem fs = new ImageFilesystem(root);
    Thread churn = Thread.ofPlatform().start(() -> {
      for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
        try {
          Path dir = Files.createDirectories(snapshots.resolve("c" + (i % 8)).resolve("upper/a/b"));
          Files.write(dir.resolve("f"), new byte[4096]);
          deleteTree(snapshots.resolve("c" + ((i + 4) % 8)));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    });
    try {
      for (int i = 0; i < 2_000; i++) {
        assertThat(fs.usage().inodesUsed()).isPositive();
      }
    } finally {
      churn.interrupt();
      churn.join();
    }
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
      // removed meanwhile by the same thread's earlier pass
    }
  }
}
