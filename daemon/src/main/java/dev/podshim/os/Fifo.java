package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** Writes to a named pipe another process reads, such as conmon's control fifo. */
public final class Fifo {
  private static final int O_WRONLY = 1;
  private static final int O_NONBLOCK = 04000;
  private static final int O_CLOEXEC = 02000000;
  /** Writes up to this size are atomic on a pipe: a line never interleaves with another writer's. */
  public static final int PIPE_BUF = 4096;

  private Fifo() {}

  /**
   * Writes {@code message} in one write if a process has the fifo open for reading; returns false,
   * having written nothing, when none has (ENXIO) or the fifo is gone (ENOENT). A plain open for
   * writing would block until a reader came, for ever once the reader has exited.
   */
  public static boolean writeIfRead(Path fifo, byte[] message) {
    requireNonNull(fifo, "fifo");
    if (message.length > PIPE_BUF) {
      throw new IllegalArgumentException("message of " + message.length + " bytes exceeds PIPE_BUF");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int fd = Libc.open(err, arena.allocateFrom(fifo.toString()), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) {
        int errno = Libc.errno(err);
        if (errno == Libc.ENXIO || errno == Libc.ENOENT) {
          return false;
        }
        throw new OsException("open", fifo.toString(), errno);
      }
      try {
        MemorySegment buffer = arena.allocate(Math.max(1, message.length));
        MemorySegment.copy(message, 0, buffer, JAVA_BYTE, 0, message.length);
        long n;
        do {
          n = Libc.write(err, fd, buffer, message.length);
        } while (n < 0 && Libc.errno(err) == Libc.EINTR);
        if (n < 0) {
          int errno = Libc.errno(err);
          if (errno == Libc.EPIPE) {
            return false; // the reader went away between open and write
          }
          // EAGAIN: the reader has not drained 64 KiB of earlier lines; it is stuck, not us
          throw new OsException("write", fifo.toString(), errno);
        }
        return true;
      } finally {
        Libc.closeQuietly(fd);
      }
    }
  }
}
