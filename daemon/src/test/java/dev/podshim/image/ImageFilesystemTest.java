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
}
