package dev.podshim.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Signals to a whole process group, which a pidfd cannot address. */
public final class ProcessGroup {
  private ProcessGroup() {}

  /**
   * Sends {@code signal} to every process in group {@code pgid}; returns false when the group is
   * empty (ESRCH). The caller must know the group is the one it means: a group id, like a pid, is
   * only reused once nothing is left in the group.
   */
  public static boolean signal(long pgid, int signal) {
    if (pgid <= 1 || pgid > Integer.MAX_VALUE) {
      // kill(-1) would signal every process we may signal, and kill(0) our own group
      throw new IllegalArgumentException("not a process group to signal: " + pgid);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      if (Libc.kill(err, (int) -pgid, signal) == 0) {
        return true;
      }
      int errno = Libc.errno(err);
      if (errno == Libc.ESRCH) {
        return false;
      }
      throw new OsException("kill", "process group " + pgid, errno);
    }
  }
}
