package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a file a client named, safely: only a regular file, not through a final symlink, at most
 * a given size. The open is non-blocking, so a FIFO nobody writes cannot hold the calling thread
 * (a plain open would wait for a writer for ever), and a device such as /dev/zero is refused by
 * fstat before a byte is read.
 */
public final class RegularFile {
  private static final boolean ARM64 = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)
      .matches("aarch64|arm64");
  private static final int O_RDONLY = 0;
  private static final int O_NONBLOCK = 04000;
  private static final int O_NOFOLLOW = ARM64 ? 0100000 : 0400000;
  private static final int O_CLOEXEC = 02000000;
  /** struct stat: st_mode and st_size, as glibc lays it out on x86_64 and aarch64. */
  private static final int STAT_SIZE = 144;
  private static final long ST_MODE_OFFSET = ARM64 ? 16 : 24;
  private static final long ST_SIZE_OFFSET = 48;
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;

  private RegularFile() {}

  /**
   * The file's bytes.
   *
   * @throws OsException when it cannot be opened (ENOENT, ELOOP for a symlink, EACCES…), is not a
   *     regular file (its type in the message), or holds more than {@code maxBytes}
   */
  public static byte[] read(Path path, int maxBytes) {
    requireNonNull(path, "path");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int fd = Libc.open(err, arena.allocateFrom(path.toString()), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        int errno = Libc.errno(err);
        throw errno == Libc.ELOOP
            ? new OsException("open", path.toString(), errno, "is a symbolic link")
            : new OsException("open", path.toString(), errno);
      }
      try {
        MemorySegment st = arena.allocate(STAT_SIZE, 8);
        if (Libc.fstat(err, fd, st) != 0) {
          throw new OsException("fstat", path.toString(), Libc.errno(err));
        }
        int type = st.get(JAVA_INT, ST_MODE_OFFSET) & S_IFMT;
        if (type != S_IFREG) {
          throw new OsException("open", path.toString(), Libc.EINVAL, "is " + typeName(type) + ", not a regular file");
        }
        long size = st.get(JAVA_LONG, ST_SIZE_OFFSET);
        if (size > maxBytes) {
          throw new OsException("open", path.toString(), Libc.E2BIG, "is larger than " + maxBytes + " bytes");
        }
        return readAll(err, arena, fd, path, maxBytes);
      } finally {
        Libc.closeQuietly(fd);
      }
    }
  }

  /** Up to {@code maxBytes}; a file that grew past it since fstat is refused too. */
  private static byte[] readAll(MemorySegment err, Arena arena, int fd, Path path, int maxBytes) {
    MemorySegment buffer = arena.allocate(maxBytes + 1L);
    long total = 0;
    while (total <= maxBytes) {
      long n = Libc.read(err, fd, buffer.asSlice(total), maxBytes + 1L - total);
      if (n < 0) {
        int errno = Libc.errno(err);
        if (errno == Libc.EINTR) {
          continue;
        }
        throw new OsException("read", path.toString(), errno);
      }
      if (n == 0) {
        return buffer.asSlice(0, total).toArray(JAVA_BYTE);
      }
      total += n;
    }
    throw new OsException("read", path.toString(), Libc.E2BIG, "is larger than " + maxBytes + " bytes");
  }

  private static String typeName(int type) {
    return switch (type) {
      case 0040000 -> "a directory";
      case 0010000 -> "a FIFO";
      case 0020000 -> "a character device";
      case 0060000 -> "a block device";
      case 0140000 -> "a socket";
      default -> "of file type 0" + Integer.toOctalString(type);
    };
  }
}
