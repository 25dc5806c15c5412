package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Mounts an overlayfs. Each lower dir goes to the kernel in its own {@code fsconfig} call
 * ({@code lowerdir+}, Linux 6.8), so an image may have as many layers as overlayfs stacks (500);
 * one {@code mount(2)} option string holds a page, about 40 layer paths of ours. Kernels
 * without {@code lowerdir+} get the option string, refused with E2BIG when it does not fit.
 */
final class OverlayMount {
  /** The kernel copies mount(2) data into one page, NUL included. */
  static final int MAX_MOUNT_DATA = 4095;

  private static final int FSOPEN_CLOEXEC = 1;
  private static final int FSCONFIG_SET_STRING = 1;
  private static final int FSCONFIG_CMD_CREATE = 6;
  private static final int FSMOUNT_CLOEXEC = 1;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
  private static final int AT_FDCWD = -100;
  /** index=on (a distribution default) ties the upper dir to these exact lower dirs. */
  private static final boolean HAS_INDEX_OPTION =
      Files.exists(Path.of("/sys/module/overlay/parameters/index"));

  private OverlayMount() {}

  /**
   * Mounts lower dirs under an upper one; with {@code upper} and {@code work} null, the overlay has
   * lower dirs only and the kernel makes it read-only (it then needs at least two of them).
   */
  static void mount(Path target, List<Path> lowersTopFirst, @Nullable Path upper, @Nullable Path work) {
    requireNonNull(target, "target");
    if ((upper == null) != (work == null)) {
      throw new IllegalArgumentException("an overlay needs both an upper and a work dir, or neither");
    }
    if (lowersTopFirst.size() < (upper == null ? 2 : 1)) {
      throw new IllegalArgumentException("an overlay " + (upper == null ? "without an upper dir needs two"
          : "needs one") + " lower dirs at least");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int fs = Libc.fsopen(err, arena.allocateFrom("overlay"), FSOPEN_CLOEXEC);
      if (fs < 0) {
        throw new OsException("fsopen", "overlay", Libc.errno(err));
      }
      try {
        String firstLower = lowersTopFirst.getFirst().toString();
        if (!set(arena, err, fs, "lowerdir+", firstLower)) {
          if (Libc.errno(err) == Libc.EINVAL) { // no lowerdir+ before Linux 6.8
            mountWithOptionString(target, lowersTopFirst, upper, work);
            return;
          }
          throw failed(arena, fs, target, "lowerdir+=" + firstLower, Libc.errno(err));
        }
        List<Map.Entry<String, String>> options = new ArrayList<>();
        lowersTopFirst.subList(1, lowersTopFirst.size())
            .forEach(lower -> options.add(Map.entry("lowerdir+", lower.toString())));
        if (upper != null && work != null) {
          options.add(Map.entry("upperdir", upper.toString()));
          options.add(Map.entry("workdir", work.toString()));
        }
        if (HAS_INDEX_OPTION) {
          options.add(Map.entry("index", "off"));
        }
        for (Map.Entry<String, String> option : options) {
          if (!set(arena, err, fs, option.getKey(), option.getValue())) {
            throw failed(arena, fs, target, option.getKey() + "=" + option.getValue(), Libc.errno(err));
          }
        }
        if (Libc.fsconfig(err, fs, FSCONFIG_CMD_CREATE, MemorySegment.NULL, MemorySegment.NULL,
            0) != 0) {
          throw failed(arena, fs, target, "create", Libc.errno(err));
        }
        int mnt = Libc.fsmount(err, fs, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0) {
          throw failed(arena, fs, target, "fsmount", Libc.errno(err));
        }
        try {
          if (Libc.moveMount(err, mnt, arena.allocateFrom(""), AT_FDCWD,
              arena.allocateFrom(target.toString()), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
            throw new OsException("move_mount overlay", target.toString(), Libc.errno(err));
          }
        } finally {
          Libc.close(err, mnt);
        }
      } finally {
        Libc.close(err, fs);
      }
    }
  }

  private static boolean set(Arena arena, MemorySegment err, int fs, String key, String value) {
    return Libc.fsconfig(err, fs, FSCONFIG_SET_STRING, arena.allocateFrom(key),
        arena.allocateFrom(value), 0) == 0;
  }

  /**
   * The error of {@code step} (an option, or create), with what overlayfs logged on the context
   * (e.g. "overlay: upper fs does not support tmpfile"), which says why where errno cannot.
   */
  private static OsException failed(Arena arena, int fs, Path target, String step, int errno) {
    MemorySegment err = Libc.errnoSlot(arena);
    MemorySegment buf = arena.allocate(1024);
    List<String> log = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      long n = Libc.read(err, fs, buf, buf.byteSize());
      if (n <= 0) {
        break;
      }
      String line = new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
      log.add(line.length() > 2 && line.charAt(1) == ' ' ? line.substring(2) : line);
    }
    String reason = step + ": " + Libc.strerror(errno)
        + (log.isEmpty() ? "" : " (" + String.join("; ", log) + ")");
    return new OsException("mount -t overlay", target.toString(), errno, reason);
  }

  private static void mountWithOptionString(Path target, List<Path> lowersTopFirst, @Nullable Path upper,
      @Nullable Path work) {
    StringBuilder data = new StringBuilder("lowerdir=");
    for (int i = 0; i < lowersTopFirst.size(); i++) {
      data.append(i == 0 ? "" : ":").append(lowersTopFirst.get(i));
    }
    if (upper != null) {
      data.append(",upperdir=").append(upper).append(",workdir=").append(work);
    }
    if (HAS_INDEX_OPTION) {
      data.append(",index=off");
    }
    if (data.length() > MAX_MOUNT_DATA) {
      throw new OsException("mount -t overlay", target.toString(), Libc.E2BIG,
          lowersTopFirst.size() + " lower dirs do not fit one page of mount options on this"
              + " kernel (lowerdir+ needs Linux 6.8)");
    }
    Mounts.overlayWithOptions(target, data.toString());
  }
}
