package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The eventfd a watcher's thread waits on beside its real fds, so that close() can wake it. */
final class Wakeup {
  private static final Logger log = LoggerFactory.getLogger(Wakeup.class);
  private static final int EFD_CLOEXEC = 0x80000;
  private static final int EFD_NONBLOCK = 0x800;

  private Wakeup() {}

  /** A non-blocking eventfd, or -1 with errno in {@code err}. */
  static int open(MemorySegment err) {
    return Libc.eventfd(err, 0, EFD_CLOEXEC | EFD_NONBLOCK);
  }

  /** Makes {@code fd} readable; {@code owner} names the watcher in a warning. */
  static void signal(int fd, String owner) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      if (Libc.write(err, fd, arena.allocateFrom(JAVA_LONG, 1L), 8) != 8 && Libc.errno(err) != Libc.EAGAIN) {
        // EAGAIN: the counter is saturated, so the thread is due to wake anyway.
        log.warn("wake {}: {}", owner, Libc.strerror(Libc.errno(err)));
      }
    }
  }
}
