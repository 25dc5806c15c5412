package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
