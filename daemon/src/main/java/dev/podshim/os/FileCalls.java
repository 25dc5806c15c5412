package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The file system calls Java lacks that layer unpacking needs: mknod, lchown, chmod with the
 * setuid/setgid/sticky bits, xattrs on a link itself, nanosecond times on symlinks, and the
 * blocks a file occupies. A failure is an {@link OsException} naming the call and the path, e.g.
 * {@code "mknod /var/lib/podshim/images/layers/…/dev/null: Operation not permitted"}.
 */
public final class FileCalls {

  /** File types for {@link #mknod}. */
  public static final int S_IFIFO = 0010000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFBLK = 0060000;

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  /** struct stat is 144 bytes with st_blocks at offset 64 on both x86_64 and aarch64. */
  private static final int STAT_SIZE = 144;
  private static final long ST_BLOCKS_OFFSET = 64;
  /** The largest xattr value Linux stores. */
  private static final int XATTR_SIZE_MAX = 65536;

  private FileCalls() {}

  /** Creates a device node or FIFO; {@code type} is one of S_IFCHR, S_IFBLK, S_IFIFO. */
  public static void mknod(Path path, int type, int mode, long major, long minor) {
    requireNonNull(path, "path");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int rc = Libc.mknod(err, cstr(arena, path), type | (mode & 07777), makedev(major, minor));
      check(rc, err, "mknod", path);
    }
  }

  /** Changes the owner of the path itself (a symlink is not followed). */
  public static void lchown(Path path, int uid, int gid) {
    requireNonNull(path, "path");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      check(Libc.lchown(err, cstr(arena, path), uid, gid), err, "lchown", path);
    }
  }

  /** chmod including setuid, setgid and sticky bits; follows symlinks, so never call it on one. */
  public static void chmod(Path path, int mode) {
    requireNonNull(path, "path");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      check(Libc.chmod(err, cstr(arena, path), mode & 07777), err, "chmod", path);
    }
  }

  /** Sets an xattr on the path itself (a symlink is not followed). */
  public static void lsetxattr(Path path, String name, byte[] value) {
    requireNonNull(path, "path");
    requireNonNull(name, "name");
    requireNonNull(value, "value");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment v = arena.allocate(Math.max(1, value.length));
      MemorySegment.copy(MemorySegment.ofArray(value), 0, v, 0, value.length);
      int rc = Libc.lsetxattr(
          err, cstr(arena, path), arena.allocateFrom(name), v, value.length, 0);
      check(rc, err, "setxattr " + name, path);
    }
  }

  /** The value of an xattr on the path itself, or empty when it has none by that name. */
  public static Optional<byte[]> lgetxattr(Path path, String name) {
    requireNonNull(path, "path");
    requireNonNull(name, "name");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment buf = arena.allocate(XATTR_SIZE_MAX);
      long n = Libc.lgetxattr(err, cstr(arena, path), arena.allocateFrom(name), buf, buf.byteSize());
      if (n < 0) {
        int errno = Libc.errno(err);
        if (errno == Libc.ENODATA) {
          return Optional.empty();
        }
        throw new OsException("getxattr " + name, path.toString(), errno);
      }
      return Optional.of(buf.asSlice(0, n).toArray(JAVA_BYTE));
    }
  }

  /** Sets access and modification time of the path itself (a symlink is not followed). */
  public static void lutimes(Path path, long epochSeconds, long nanos) {
    requireNonNull(path, "path");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment times = arena.allocate(JAVA_LONG, 4); // struct timespec[2]: atime, mtime
      times.setAtIndex(JAVA_LONG, 0, epochSeconds);
      times.setAtIndex(JAVA_LONG, 1, nanos);
      times.setAtIndex(JAVA_LONG, 2, epochSeconds);
      times.setAtIndex(JAVA_LONG, 3, nanos);
      int rc = Libc.utimensat(err, AT_FDCWD, cstr(arena, path), times, AT_SYMLINK_NOFOLLOW);
      check(rc, err, "utimensat", path);
    }
  }

  /** Bytes the path occupies in allocated 512-byte blocks, as du counts them (a symlink itself). */
  public static long allocatedBytes(Path path) {
    requireNonNull(path, "path");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment st = arena.allocate(STAT_SIZE, 8);
      check(Libc.lstat(err, cstr(arena, path), st), err, "lstat", path);
      return st.get(JAVA_LONG, ST_BLOCKS_OFFSET) * 512;
    }
  }

  /** A device number as {@code st_rdev} holds it. */
  public static long makedev(long major, long minor) {
    // glibc's encoding: 12 bits of major and 20 of minor in the low word, the rest above
    return ((major & 0xfffL) << 8) | ((major & ~0xfffL) << 32)
        | (minor & 0xffL) | ((minor & ~0xffL) << 12);
  }

  /** The major number of an {@code st_rdev}, the inverse of {@link #makedev}. */
  public static long major(long rdev) {
    return ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & ~0xfffL);
  }

  /** The minor number of an {@code st_rdev}, the inverse of {@link #makedev}. */
  public static long minor(long rdev) {
    return (rdev & 0xffL) | ((rdev >>> 12) & ~0xffL);
  }

  private static MemorySegment cstr(Arena arena, Path path) {
    return arena.allocateFrom(path.toString()); // UTF-8, NUL-terminated
  }

  private static void check(int rc, MemorySegment err, String call, Path path) {
    if (rc != 0) {
      throw new OsException(call, path.toString(), Libc.errno(err));
    }
  }
}
