package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeHeapTest {
  private static final long MIB = 1 << 20;

  @Test
  void aLargeBlockFreedAfterABiggerOneGoesBackToTheKernelAtOnce() throws IOException {
    assertThat(NativeHeap.fixMmapThreshold()).isTrue();
    // with glibc's dynamic threshold, freeing this 30 MiB mapping would raise the threshold to 30 MiB (its cap is 32) ...
    try (Arena arena = Arena.ofConfined()) {
      arena.allocate(30 * MIB);
    }
    long before = rssKib();
    long touched;
    // ... and this block would come from an arena and stay there, 24 MiB resident after free()
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment block = arena.allocate(24 * MIB); // zero-filled: every page touched
      block.set(java.lang.foreign.ValueLayout.JAVA_BYTE, block.byteSize() - 1, (byte) 1);
      touched = rssKib();
    }
    long after = rssKib();
    assertThat(touched - before).as("the block was resident").isGreaterThan(20 * 1024);
    assertThat(touched - after).as("RSS given back at free (KiB)").isGreaterThan(20 * 1024);
  }

  private static long rssKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }
}
