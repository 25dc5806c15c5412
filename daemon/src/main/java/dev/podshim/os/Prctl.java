package dev.podshim.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** prctl(2) settings of the daemon process. */
public final class Prctl {

  private static final int PR_SET_CHILD_SUBREAPER = 36;

  private Prctl() {}

  /**
   * Makes this process the reaper of its orphaned descendants: a pause whose launcher exits is
   * reparented to us rather than to init, so we can wait for it through its pidfd.
   */
  public static void setChildSubreaper() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      if (Libc.prctl(err, PR_SET_CHILD_SUBREAPER, 1L) != 0) {
        throw new OsException("prctl", "PR_SET_CHILD_SUBREAPER", Libc.errno(err));
      }
    }
  }
}
