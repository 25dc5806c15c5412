package dev.podshim.image;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The file system calls layer unpacking and snapshots need and Java lacks: mknod, lchown, chmod
 * with the setuid/setgid/sticky bits, xattrs on the link itself, nanosecond times on symlinks, and
 * overlay mounts. Each failure is an {@link IOException} naming the call, the path and errno.
 */
final class NativeFs {
  static final int S_IFIFO = 0010000;
  static final int S_IFCHR = 0020000;
  static final int S_IFBLK = 0060000;

  static final int ENOENT = 2;
  static final int EPERM = 1;
  static final int ENODATA = 61;
  static final int EOPNOTSUPP = 95;
  static final int EINVAL = 22;

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final MethodHandle MKNOD = bind("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
  private static final MethodHandle LCHOWN = bind("lchown", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  private static final MethodHandle CHMOD = bind("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle LSETXATTR =
      bind("lsetxattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle LGETXATTR =
      bind("lgetxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
  private static final MethodHandle UTIMENSAT =
      bind("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  private static final MethodHandle MOUNT =
      bind("mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final MethodHandle LSTAT = bind("lstat", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  /** struct stat is 144 bytes with st_blocks at offset 64 on both x86_64 and aarch64. */
  private static final int STAT_SIZE = 144;
  private static final long ST_BLOCKS_OFFSET = 64;
  private static final MethodHandle STRERROR =
      LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private NativeFs() {}

  /** A failed call: the errno is kept so callers can tolerate the expected ones. */
  static final class NativeException extends IOException {
    private final int errno;

    NativeException(String call, String path, int errno) {
      super(call + " " + path + ": " + strerror(errno) + " (errno " + errno + ")");
      this.errno = errno;
    }

    int errno() {
      return errno;
    }
  }

  /** Creates a device node or FIFO; {@code type} is one of S_IFCHR, S_IFBLK, S_IFIFO. */
  static void mknod(Path path, int type, int mode, long major, long minor) throws IOException {
    long dev = makedev(major, minor);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = arena.allocate(CALL_STATE);
      int rc = (int) MKNOD.invokeExact(err, cstr(arena, path), type | (mode & 07777), dev);
      check(rc, err, "mknod", path);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static void lchown(Path path, int uid, int gid) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = arena.allocate(CALL_STATE);
      int rc = (int) LCHOWN.invokeExact(err, cstr(arena, path), uid, gid);
      check(rc, err, "lchown", path);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** chmod including setuid, setgid and sticky bits; follows symlinks, so never call it on one. */
  static void chmod(Path path, int mode) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = arena.allocate(CALL_STATE);
      int rc = (int) CHMOD.invokeExact(err, cstr(arena, path), mode & 07777);
      check(rc, err, "chmod", path);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static void lsetxattr(Path path, String name, byte[] value) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = arena.allocate(CALL_STATE);
      MemorySegment v = arena.allocate(Math.max(1, value.length));
      MemorySegment.copy(MemorySegment.ofArray(value), 0, v, 0, value.length);
      int rc = (int) LSETXATTR.invokeExact(err, cstr(arena, path), arena.allocateFrom(name), v, (long) value.length, 0);
      check(rc, err, "setxattr " + name, path);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** The value of an xattr on the path itself, or empty when it has none by that name. */
  static Optional<byte[]> lgetxattr(Path path, String name) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = arena.allocate(CALL_STATE);
      MemorySegment buf = arena.allocate(65536);
      long n = (long) LGETXATTR.invokeExact(err, cstr(arena, path), arena.allocateFrom(name), buf, 65536L);
      if (n < 0) {
        int errno = (int) ERRNO.get(err, 0L);
        if (errno == ENODATA) {
          return Optional.empty();
        }
        throw new NativeException("getxattr " + name, path.toString(), errno);
      }
      return Optional.of(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** Sets access and modification time of the path itself (a symlink is not followed). */
  static void lutimes(Path path, long epochSeconds, long nanos) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = arena.allocate(CALL_STATE);
      MemorySegment times = arena.allocate(JAVA_LONG, 4);
      times.setAtIndex(JAVA_LONG, 0, epochSeconds);
      times.setAtIndex(JAVA_LONG, 1, nanos);
      times.setAtIndex(JAVA_LONG, 2, epochSeconds);
      times.setAtIndex(JAVA_LONG, 3, nanos);
      int rc = (int) UTIMENSAT.invokeExact(err, AT_FDCWD, cstr(arena, path), times, AT_SYMLINK_NOFOLLOW);
      check(rc, err, "utimensat", path);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** Bytes the path occupies in allocated 512-byte blocks, as du counts them (a symlink itself). */
  static long allocatedBytes(Path path) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = arena.allocate(CALL_STATE);
      MemorySegment st = arena.allocate(STAT_SIZE, 8);
      int rc = (int) LSTAT.invokeExact(err, cstr(arena, path), st);
      check(rc, err, "lstat", path);
      return st.get(JAVA_LONG, ST_BLOCKS_OFFSET) * 512;
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** mount(2) with a file system type and option string, e.g. overlay. */
  static void mount(String source, Path target, String fstype, long flags, String data) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = arena.allocate(CALL_STATE);
      int rc = (int) MOUNT.invokeExact(err, arena.allocateFrom(source), cstr(arena, target),
          arena.allocateFrom(fstype), flags, arena.allocateFrom(data));
      check(rc, err, "mount -t " + fstype, target);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static long makedev(long major, long minor) {
    // glibc's encoding: 12 bits of major and 20 of minor in the low word, the rest above
    return ((major & 0xfffL) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xffL) | ((minor & ~0xffL) << 12);
  }

  private static MemorySegment cstr(Arena arena, Path path) {
    byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
    MemorySegment s = arena.allocate(bytes.length + 1L);
    MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
    s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
    return s;
  }

  private static void check(int rc, MemorySegment err, String call, Path path) throws NativeException {
    if (rc != 0) {
      throw new NativeException(call, path.toString(), (int) ERRNO.get(err, 0L));
    }
  }

  private static MethodHandle bind(String name, FunctionDescriptor fd) {
    MemorySegment symbol = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
  }

  static String strerror(int errno) {
    try {
      MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
      return text.reinterpret(Integer.MAX_VALUE).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }
}
