package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Bind mounts, overlay mounts, their removal, and whether a path is a mount point (in our mount
 * namespace).
 */
public final class Mounts {

  private static final long MS_BIND = 4096;
  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;
  private static final long MS_NOEXEC = 8;
  private static final int MNT_DETACH = 2;
  private static final int UMOUNT_NOFOLLOW = 8;
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private Mounts() {}

  /** Bind mounts {@code source} (a file or directory) onto {@code target}, which must exist. */
  public static void bind(Path source, Path target) {
    requireNonNull(source, "source");
    requireNonNull(target, "target");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int rc = Libc.mount(err, arena.allocateFrom(source.toString()),
          arena.allocateFrom(target.toString()), MS_BIND);
      if (rc != 0) {
        throw new OsException("mount --bind", source + " on " + target, Libc.errno(err));
      }
    }
  }

  /**
   * Mounts a tmpfs on {@code target}, which must exist, with {@code nosuid,nodev,noexec} and the
   * data options given (e.g. {@code "mode=1777,size=65536k"}).
   */
  public static void tmpfs(Path target, String options) {
    requireNonNull(target, "target");
    requireNonNull(options, "options");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment type = arena.allocateFrom("tmpfs");
      int rc = Libc.mount(err, arena.allocateFrom("shm"), arena.allocateFrom(target.toString()), type,
          MS_NOSUID | MS_NODEV | MS_NOEXEC, arena.allocateFrom(options));
      if (rc != 0) {
        throw new OsException("mount -t tmpfs", target.toString(), Libc.errno(err));
      }
    }
  }

  /**
   * Mounts a writable overlayfs on {@code target}, which must exist: {@code lowersTopFirst} are
   * read-only, the topmost first; changes go to {@code upper}; {@code work} is overlayfs' scratch
   * dir on the same file system as {@code upper}.
   */
  public static void overlay(Path target, List<Path> lowersTopFirst, Path upper, Path work) {
    OverlayMount.mount(target, lowersTopFirst, upper, work);
  }

  /**
   * Mounts a read-only overlayfs of {@code lowersTopFirst} (at least two) on {@code target}, which
   * must exist: with no upper dir the kernel refuses every write (EROFS).
   */
  public static void readOnlyOverlay(Path target, List<Path> lowersTopFirst) {
    OverlayMount.mount(target, lowersTopFirst, null, null);
  }

  /**
   * mount(2) of an overlayfs with an option string, e.g. {@code
   * "lowerdir=/a:/b,upperdir=/u,workdir=/w"}: the path for kernels before 6.8.
   */
  static void overlayWithOptions(Path target, String options) {
    requireNonNull(target, "target");
    requireNonNull(options, "options");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment overlay = arena.allocateFrom("overlay");
      int rc = Libc.mount(err, overlay, arena.allocateFrom(target.toString()), overlay, 0,
          arena.allocateFrom(options));
      if (rc != 0) {
        throw new OsException("mount -t overlay", target.toString(), Libc.errno(err));
      }
    }
  }

  /**
   * Lazily detaches the mount at {@code target}, the topmost one if several are stacked there.
   * Nothing mounted there, or no such path, is not an error, so teardown can be repeated. A
   * symlink at {@code target} is not followed.
   */
  public static void unmount(Path target) {
    requireNonNull(target, "target");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int flags = MNT_DETACH | UMOUNT_NOFOLLOW;
      int rc = Libc.umount2(err, arena.allocateFrom(target.toString()), flags);
      if (rc != 0) {
        int errno = Libc.errno(err);
        if (errno != Libc.EINVAL && errno != Libc.ENOENT) {
          throw new OsException("umount", target.toString(), errno);
        }
      }
    }
  }

  /**
   * Whether something is mounted at {@code p}, per /proc/self/mountinfo. Symlinks in the parent
   * directories are resolved, the last component is taken as is.
   */
  public static boolean isMountPoint(Path p) {
    String wanted = canonical(requireNonNull(p, "p"));
    Boolean root = isMountRoot(wanted);
    return root != null ? root : isListedMountPoint(wanted);
  }

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final long STATX_ATTR_MOUNT_ROOT = 0x2000;
  private static final long STATX_SIZE = 256;
  private static final long STX_ATTRIBUTES = 8; // offsets in struct statx
  private static final long STX_ATTRIBUTES_MASK = 56;

  /**
   * The kernel's own answer (statx's STATX_ATTR_MOUNT_ROOT, Linux 5.8+): one syscall, where reading
   * mountinfo costs the kernel and us a walk of every mount (hundreds on a node full of pods, and
   * callers ask per pod). False for a missing path; null when the kernel does not report the
   * attribute or statx fails otherwise.
   */
  private static @Nullable Boolean isMountRoot(String path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment buf = arena.allocate(STATX_SIZE, 8);
      if (Libc.statx(err, AT_FDCWD, arena.allocateFrom(path), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0) {
        return Libc.errno(err) == Libc.ENOENT ? Boolean.FALSE : null;
      }
      if ((buf.get(JAVA_LONG, STX_ATTRIBUTES_MASK) & STATX_ATTR_MOUNT_ROOT) == 0) {
        return null;
      }
      return (buf.get(JAVA_LONG, STX_ATTRIBUTES) & STATX_ATTR_MOUNT_ROOT) != 0;
    }
  }

  /** Whether /proc/self/mountinfo lists a mount at {@code wanted}, a canonical path. */
  static boolean isListedMountPoint(String wanted) {
    byte[] table;
    try {
      table = Files.readAllBytes(MOUNTINFO);
    } catch (IOException e) {
      throw new UncheckedIOException("read " + MOUNTINFO, e);
    }
    String text = new String(table, StandardCharsets.ISO_8859_1);
    for (String line : text.split("\n")) {
      String mountPoint = mountPoint(line);
      if (mountPoint != null && mountPoint.equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The mount point (5th field) of a mountinfo line, unescaped, or null for a malformed line.
   * The kernel writes space, tab, newline and backslash in paths as octal escapes (\040...).
   * {@code line} holds the raw bytes as ISO-8859-1 chars; the result is decoded as UTF-8.
   */
  static @Nullable String mountPoint(String line) {
    String[] fields = line.split(" ", 6);
    if (fields.length < 6) {
      return null;
    }
    return unescape(fields[4]);
  }

  /** A mountinfo path field with the kernel's octal escapes decoded; raw bytes as ISO-8859-1 in, UTF-8 out. */
  static String unescape(String field) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        bytes.write(Integer.parseInt(field, i + 1, i + 4, 8));
        i += 3;
      } else {
        bytes.write(c);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }

  private static String canonical(Path p) {
    Path absolute = p.toAbsolutePath().normalize();
    Path parent = absolute.getParent();
    Path name = absolute.getFileName();
    if (parent == null || name == null) {
      return absolute.toString();
    }
    try {
      return parent.toRealPath().resolve(name).toString();
    } catch (NoSuchFileException e) {
      return absolute.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("resolve " + parent, e);
    }
  }
}
