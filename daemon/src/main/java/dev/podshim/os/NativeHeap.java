package dev.podshim.os;

/**
 * glibc's malloc settings of the daemon process. By default glibc raises its mmap threshold to the
 * size of each large block freed (up to 32 MiB), so after a burst large blocks (the C1 compiler's
 * arenas, transient native buffers) come from the arenas, where small long-lived blocks allocated
 * among them keep the pages: after a hostile run over every RPC, 37 MB sat free in the arenas and
 * RSS stayed ~10 MiB higher than with the threshold fixed (BENCHMARKS.md, "Hostile run"). Fixed,
 * every block of 128 KiB or more is its own mapping and goes back to the kernel at free().
 */
public final class NativeHeap {
  /** mallopt's M_MMAP_THRESHOLD; setting it also turns glibc's dynamic threshold off. */
  private static final int M_MMAP_THRESHOLD = -3;
  /** glibc's own starting value, which it would otherwise raise. */
  static final int MMAP_THRESHOLD_BYTES = 128 * 1024;

  private NativeHeap() {}

  /** Returns whether glibc took the setting (mallopt answers 1 on success). */
  public static boolean fixMmapThreshold() {
    return Libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1;
  }
}
