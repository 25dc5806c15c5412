package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Id-mapped mounts (Linux 5.12): a clone of the mount at a path, detached with {@code open_tree},
 * given a user namespace's mappings with {@code mount_setattr(MOUNT_ATTR_IDMAP)} and attached with
 * {@code move_mount}. With a pod namespace that maps container id 0 to host id {@code H}, a file
 * that host root owns on disk reads through the clone as owned by {@code H}, root in the pod, and
 * a file the pod's root creates is stored as owned by host root.
 * The filesystem must allow it (ext4, xfs, btrfs, tmpfs since 6.3, overlayfs since 5.19).
 */
public final class IdmappedMount {
  private static final int AT_FDCWD = -100;
  private static final int AT_EMPTY_PATH = 0x1000;
  private static final int AT_RECURSIVE = 0x8000;
  private static final int OPEN_TREE_CLONE = 1;
  private static final int OPEN_TREE_CLOEXEC = 02000000;
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 02000000;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
  private static final long MOUNT_ATTR_IDMAP = 0x0010_0000L;

  private IdmappedMount() {}

  /**
   * Mounts an id-mapped clone of the mount at {@code source} (with the mounts below it when
   * {@code recursive}) on {@code target}, which must exist and be of the same kind, file or
   * directory. {@code userns} names the user namespace whose mappings apply: a pinned
   * {@code /proc/PID/ns/user}. A filesystem without support fails with EINVAL.
   */
  public static void mount(Path source, Path target, Path userns, boolean recursive) {
    requireNonNull(source, "source");
    requireNonNull(target, "target");
    requireNonNull(userns, "userns");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int ns = Libc.open(err, arena.allocateFrom(userns.toString()), O_RDONLY | O_CLOEXEC);
      if (ns < 0) {
        throw new OsException("open", userns.toString(), Libc.errno(err));
      }
      try {
        int tree = Libc.openTree(err, AT_FDCWD, arena.allocateFrom(source.toString()),
            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        if (tree < 0) {
          throw new OsException("open_tree", source.toString(), Libc.errno(err));
        }
        try {
          // struct mount_attr: attr_set, attr_clr, propagation, userns_fd (MOUNT_ATTR_SIZE_VER0)
          MemorySegment attr = arena.allocate(JAVA_LONG, 4);
          attr.setAtIndex(JAVA_LONG, 0, MOUNT_ATTR_IDMAP);
          attr.setAtIndex(JAVA_LONG, 3, ns);
          if (Libc.mountSetattr(err, tree, arena.allocateFrom(""),
              AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), attr) != 0) {
            throw new OsException("mount_setattr idmap", source.toString(), Libc.errno(err));
          }
          if (Libc.moveMount(err, tree, arena.allocateFrom(""), AT_FDCWD,
              arena.allocateFrom(target.toString()), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
            throw new OsException("move_mount", source + " to " + target, Libc.errno(err));
          }
        } finally {
          // once moved the mount stays; a clone never attached goes with its last fd
          Libc.close(err, tree);
        }
      } finally {
        Libc.close(err, ns);
      }
    }
  }
}
