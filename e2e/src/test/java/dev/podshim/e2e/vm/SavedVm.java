package dev.podshim.e2e.vm;

import java.nio.file.Path;

/**
 * A booted VM saved by QEMU's {@code savevm}: a qcow2 overlay of the image's disk that holds the
 * guest's memory and devices as an internal snapshot. A test restores a copy of it (internal
 * snapshots are read from the top image only) instead of booting.
 */
public record SavedVm(VmImage image, VmRecipe recipe, Path dir) {
  Path qcow2() {
    return dir.resolve("saved.qcow2");
  }
}
