package dev.podshim.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The libc functions this package calls, each looked up and bound once. Every method takes as
 * its first argument an errno slot from {@link #errnoSlot}: the linker copies errno into it
 * right after the call, before the JVM can run anything that would overwrite it.
 *
 * <p>The methods return what libc returns (-1 on failure); turning that into an {@link
 * OsException} is the caller's job, because only the caller knows what to name in the message.
 *
 * <p>The posix_spawn family is the exception: those functions return an error number instead of
 * setting errno, so they are bound without an errno slot.
 */
final class Libc {

  // errno values; the same on every Linux architecture Java runs on.
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int ELOOP = 40;
  static final int ESRCH = 3;
  static final int EINTR = 4;
  static final int ECHILD = 10;
  static final int EAGAIN = 11;
  static final int E2BIG = 7;
  static final int EINVAL = 22;
  static final int ENODATA = 61;
  static final int EOPNOTSUPP = 95;
  static final int EAFNOSUPPORT = 97;
  static final int ETIMEDOUT = 110;
  static final int ENXIO = 6;
  static final int EPIPE = 32;
  static final int ECONNRESET = 104;
  static final int ECONNREFUSED = 111;

  // Syscall numbers of calls older glibc (before 2.36) has no wrapper for. Since Linux 5.1
  // new syscalls get one number on every architecture.
  private static final long SYS_PIDFD_SEND_SIGNAL = 424;
  private static final long SYS_PIDFD_OPEN = 434;
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_FSOPEN = 430;
  private static final long SYS_FSCONFIG = 431;
  private static final long SYS_FSMOUNT = 432;
  private static final long SYS_OPEN_TREE = 428;
  private static final long SYS_MOUNT_SETATTR = 442;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final Downcall MOUNT =
      Downcall.errnoCapturing("mount",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final Downcall MKNOD =
      Downcall.errnoCapturing("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
  private static final Downcall LCHOWN =
      Downcall.errnoCapturing("lchown", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  private static final Downcall CHMOD =
      Downcall.errnoCapturing("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final Downcall LSETXATTR =
      Downcall.errnoCapturing("lsetxattr",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final Downcall LGETXATTR =
      Downcall.errnoCapturing("lgetxattr",
          FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
  private static final Downcall UTIMENSAT =
      Downcall.errnoCapturing("utimensat",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  private static final Downcall LSTAT =
      Downcall.errnoCapturing("lstat", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  private static final Downcall STATX =
      Downcall.errnoCapturing("statx",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
  private static final Downcall FSTAT =
      Downcall.errnoCapturing("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  private static final Downcall UMOUNT2 =
      Downcall.errnoCapturing("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final Downcall SYSCALL2 =
      Downcall.errnoCapturing("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
          Linker.Option.firstVariadicArg(1));
  private static final Downcall SYSCALL4 =
      Downcall.errnoCapturing("syscall",
          FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
          Linker.Option.firstVariadicArg(1));
  private static final Downcall SYSCALL5 =
      Downcall.errnoCapturing("syscall",
          FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
              JAVA_LONG),
          Linker.Option.firstVariadicArg(1));
  private static final Downcall OPEN =
      Downcall.errnoCapturing("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
          Linker.Option.firstVariadicArg(2));
  private static final Downcall SETNS =
      Downcall.errnoCapturing("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final Downcall WAITID =
      Downcall.errnoCapturing("waitid",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final Downcall POLL =
      Downcall.errnoCapturing("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final Downcall CLOSE =
      Downcall.errnoCapturing("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final Downcall READ =
      Downcall.errnoCapturing("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final Downcall WRITE =
      Downcall.errnoCapturing("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final Downcall EPOLL_CREATE1 =
      Downcall.errnoCapturing("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final Downcall EPOLL_CTL =
      Downcall.errnoCapturing("epoll_ctl",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final Downcall EPOLL_WAIT =
      Downcall.errnoCapturing("epoll_wait",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  private static final Downcall EVENTFD =
      Downcall.errnoCapturing("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final Downcall INOTIFY_INIT1 =
      Downcall.errnoCapturing("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final Downcall INOTIFY_ADD_WATCH =
      Downcall.errnoCapturing("inotify_add_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final Downcall INOTIFY_RM_WATCH =
      Downcall.errnoCapturing("inotify_rm_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final Downcall MALLOPT =
      Downcall.plain("mallopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final Downcall PRCTL =
      Downcall.errnoCapturing("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG),
          Linker.Option.firstVariadicArg(1));
  private static final Downcall SOCKET =
      Downcall.errnoCapturing("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final Downcall SENDTO =
      Downcall.errnoCapturing("sendto",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final Downcall CONNECT =
      Downcall.errnoCapturing("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final Downcall SHUTDOWN =
      Downcall.errnoCapturing("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final Downcall RECV =
      Downcall.errnoCapturing("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final Downcall SEND =
      Downcall.errnoCapturing("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final Downcall PIPE2 =
      Downcall.errnoCapturing("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final Downcall KILL =
      Downcall.errnoCapturing("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final Downcall POSIX_SPAWN =
      Downcall.plain("posix_spawn",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
  private static final Downcall SPAWN_FILE_ACTIONS_INIT =
      Downcall.plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final Downcall SPAWN_FILE_ACTIONS_DESTROY =
      Downcall.plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final Downcall SPAWN_FILE_ACTIONS_ADDOPEN =
      Downcall.plain("posix_spawn_file_actions_addopen",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  private static final Downcall SPAWN_FILE_ACTIONS_ADDDUP2 =
      Downcall.plain("posix_spawn_file_actions_adddup2",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  // glibc 2.29+
  private static final Downcall SPAWN_FILE_ACTIONS_ADDCHDIR =
      Downcall.plain("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  // glibc 2.34+; without it the child inherits the JVM's fds that lack O_CLOEXEC.
  private static final @Nullable Downcall SPAWN_FILE_ACTIONS_ADDCLOSEFROM =
      LINKER.defaultLookup().find("posix_spawn_file_actions_addclosefrom_np")
          .map(f -> new Downcall(f, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)))
          .orElse(null);
  private static final Downcall SPAWNATTR_INIT =
      Downcall.plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final Downcall SPAWNATTR_DESTROY =
      Downcall.plain("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final Downcall SPAWNATTR_SETFLAGS =
      Downcall.plain("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
  private static final Downcall SPAWNATTR_SETSIGMASK =
      Downcall.plain("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  private static final Downcall SPAWNATTR_SETSIGDEFAULT =
      Downcall.plain("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  // strerrordesc_np (glibc 2.32+) is never translated: messages stay the same in every locale.
  private static final Downcall STRERROR = new Downcall(
      LINKER.defaultLookup().find("strerrordesc_np").orElseGet(() -> find("strerror")),
      FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private Libc() {}

  /** A slot for {@link #errno} to read after a call; lives as long as {@code arena}. */
  static MemorySegment errnoSlot(Arena arena) {
    return arena.allocate(CALL_STATE);
  }

  static int errno(MemorySegment slot) {
    return (int) ERRNO.get(slot, 0L);
  }

  static String strerror(int errno) {
    try {
      MemorySegment text = (MemorySegment) STRERROR.handle().invokeExact(errno);
      if (text.equals(MemorySegment.NULL)) {
        return "errno " + errno; // strerrordesc_np knows no such errno
      }
      // A NUL-terminated string of unknown length; reading stops at the NUL.
      return text.reinterpret(Integer.MAX_VALUE).getString(0);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** mount(2) without a file system type or data, as bind mounts need. */
  static int mount(MemorySegment err, MemorySegment source, MemorySegment target, long flags) {
    return mount(err, source, target, MemorySegment.NULL, flags, MemorySegment.NULL);
  }

  static int mount(MemorySegment err, MemorySegment source, MemorySegment target,
      MemorySegment fstype, long flags, MemorySegment data) {
    try {
      return (int) MOUNT.handle().invokeExact(err, source, target, fstype, flags, data);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int mknod(MemorySegment err, MemorySegment path, int mode, long dev) {
    try {
      return (int) MKNOD.handle().invokeExact(err, path, mode, dev);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int lchown(MemorySegment err, MemorySegment path, int uid, int gid) {
    try {
      return (int) LCHOWN.handle().invokeExact(err, path, uid, gid);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int chmod(MemorySegment err, MemorySegment path, int mode) {
    try {
      return (int) CHMOD.handle().invokeExact(err, path, mode);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int lsetxattr(MemorySegment err, MemorySegment path, MemorySegment name,
      MemorySegment value, long size, int flags) {
    try {
      return (int) LSETXATTR.handle().invokeExact(err, path, name, value, size, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long lgetxattr(MemorySegment err, MemorySegment path, MemorySegment name,
      MemorySegment value, long size) {
    try {
      return (long) LGETXATTR.handle().invokeExact(err, path, name, value, size);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int utimensat(MemorySegment err, int dirfd, MemorySegment path, MemorySegment times,
      int flags) {
    try {
      return (int) UTIMENSAT.handle().invokeExact(err, dirfd, path, times, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int lstat(MemorySegment err, MemorySegment path, MemorySegment stat) {
    try {
      return (int) LSTAT.handle().invokeExact(err, path, stat);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int statx(MemorySegment err, int dirfd, MemorySegment path, int flags, int mask, MemorySegment buf) {
    try {
      return (int) STATX.handle().invokeExact(err, dirfd, path, flags, mask, buf);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int fstat(MemorySegment err, int fd, MemorySegment stat) {
    try {
      return (int) FSTAT.handle().invokeExact(err, fd, stat);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int umount2(MemorySegment err, MemorySegment target, int flags) {
    try {
      return (int) UMOUNT2.handle().invokeExact(err, target, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int pidfdOpen(MemorySegment err, long pid, int flags) {
    try {
      return (int) (long) SYSCALL2.handle().invokeExact(err, SYS_PIDFD_OPEN, pid, (long) flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int pidfdSendSignal(MemorySegment err, int pidfd, int sig) {
    try {
      return (int) (long) SYSCALL4.handle().invokeExact(
          err, SYS_PIDFD_SEND_SIGNAL, (long) pidfd, (long) sig, 0L, 0L);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  // The mount API of Linux 5.2 (fsopen, fsconfig, fsmount, move_mount): options one call each,
  // so no page limit on an overlay's lower dirs.

  static int fsopen(MemorySegment err, MemorySegment fsName, int flags) {
    return syscall5(err, SYS_FSOPEN, fsName.address(), flags, 0, 0, 0);
  }

  static int fsconfig(MemorySegment err, int fsFd, int command, MemorySegment key,
      MemorySegment value, int aux) {
    return syscall5(err, SYS_FSCONFIG, fsFd, command, key.address(), value.address(), aux);
  }

  static int fsmount(MemorySegment err, int fsFd, int flags, int mountAttrs) {
    return syscall5(err, SYS_FSMOUNT, fsFd, flags, mountAttrs, 0, 0);
  }

  static int moveMount(MemorySegment err, int fromDirFd, MemorySegment fromPath, int toDirFd,
      MemorySegment toPath, int flags) {
    return syscall5(err, SYS_MOVE_MOUNT, fromDirFd, fromPath.address(), toDirFd,
        toPath.address(), flags);
  }

  static int openTree(MemorySegment err, int dirFd, MemorySegment path, int flags) {
    return syscall5(err, SYS_OPEN_TREE, dirFd, path.address(), flags, 0, 0);
  }

  static int mountSetattr(MemorySegment err, int dirFd, MemorySegment path, int flags,
      MemorySegment attr) {
    return syscall5(err, SYS_MOUNT_SETATTR, dirFd, path.address(), flags, attr.address(),
        attr.byteSize());
  }

  private static int syscall5(MemorySegment err, long number, long a, long b, long c, long d,
      long e) {
    try {
      return (int) (long) SYSCALL5.handle().invokeExact(err, number, a, b, c, d, e);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** open(2) without O_CREAT, so without a mode. */
  static int open(MemorySegment err, MemorySegment path, int flags) {
    try {
      return (int) OPEN.handle().invokeExact(err, path, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int setns(MemorySegment err, int fd, int nstype) {
    try {
      return (int) SETNS.handle().invokeExact(err, fd, nstype);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int waitid(MemorySegment err, int idtype, int id, MemorySegment siginfo, int options) {
    try {
      return (int) WAITID.handle().invokeExact(err, idtype, id, siginfo, options);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int poll(MemorySegment err, MemorySegment fds, long nfds, int timeoutMillis) {
    try {
      return (int) POLL.handle().invokeExact(err, fds, nfds, timeoutMillis);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int close(MemorySegment err, int fd) {
    try {
      return (int) CLOSE.handle().invokeExact(err, fd);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long read(MemorySegment err, int fd, MemorySegment buf, long count) {
    try {
      return (long) READ.handle().invokeExact(err, fd, buf, count);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long write(MemorySegment err, int fd, MemorySegment buf, long count) {
    try {
      return (long) WRITE.handle().invokeExact(err, fd, buf, count);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int epollCreate1(MemorySegment err, int flags) {
    try {
      return (int) EPOLL_CREATE1.handle().invokeExact(err, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int epollCtl(MemorySegment err, int epfd, int op, int fd, MemorySegment event) {
    try {
      return (int) EPOLL_CTL.handle().invokeExact(err, epfd, op, fd, event);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int epollWait(
      MemorySegment err, int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
    try {
      return (int) EPOLL_WAIT.handle().invokeExact(err, epfd, events, maxEvents, timeoutMillis);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int eventfd(MemorySegment err, int initval, int flags) {
    try {
      return (int) EVENTFD.handle().invokeExact(err, initval, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int inotifyInit1(MemorySegment err, int flags) {
    try {
      return (int) INOTIFY_INIT1.handle().invokeExact(err, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int inotifyAddWatch(MemorySegment err, int fd, MemorySegment path, int mask) {
    try {
      return (int) INOTIFY_ADD_WATCH.handle().invokeExact(err, fd, path, mask);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int inotifyRmWatch(MemorySegment err, int fd, int wd) {
    try {
      return (int) INOTIFY_RM_WATCH.handle().invokeExact(err, fd, wd);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int mallopt(int param, int value) {
    try {
      return (int) MALLOPT.handle().invokeExact(param, value);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int prctl(MemorySegment err, int option, long arg2) {
    try {
      return (int) PRCTL.handle().invokeExact(err, option, arg2);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int socket(MemorySegment err, int domain, int type, int protocol) {
    try {
      return (int) SOCKET.handle().invokeExact(err, domain, type, protocol);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long sendto(MemorySegment err, int fd, MemorySegment buf, long len, int flags,
      MemorySegment addr, int addrLen) {
    try {
      return (long) SENDTO.handle().invokeExact(err, fd, buf, len, flags, addr, addrLen);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int connect(MemorySegment err, int fd, MemorySegment addr, int addrLen) {
    try {
      return (int) CONNECT.handle().invokeExact(err, fd, addr, addrLen);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int shutdown(MemorySegment err, int fd, int how) {
    try {
      return (int) SHUTDOWN.handle().invokeExact(err, fd, how);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long recv(MemorySegment err, int fd, MemorySegment buf, long len, int flags) {
    try {
      return (long) RECV.handle().invokeExact(err, fd, buf, len, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static long send(MemorySegment err, int fd, MemorySegment buf, long len, int flags) {
    try {
      return (long) SEND.handle().invokeExact(err, fd, buf, len, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int pipe2(MemorySegment err, MemorySegment fds, int flags) {
    try {
      return (int) PIPE2.handle().invokeExact(err, fds, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int kill(MemorySegment err, int pid, int sig) {
    try {
      return (int) KILL.handle().invokeExact(err, pid, sig);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** Returns 0 or an error number; the new pid is stored at {@code pid}. */
  static int posixSpawn(MemorySegment pid, MemorySegment path, MemorySegment fileActions,
      MemorySegment attr, MemorySegment argv, MemorySegment envp) {
    try {
      return (int) POSIX_SPAWN.handle().invokeExact(pid, path, fileActions, attr, argv, envp);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnFileActionsInit(MemorySegment actions) {
    try {
      return (int) SPAWN_FILE_ACTIONS_INIT.handle().invokeExact(actions);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnFileActionsDestroy(MemorySegment actions) {
    try {
      return (int) SPAWN_FILE_ACTIONS_DESTROY.handle().invokeExact(actions);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnFileActionsAddopen(
      MemorySegment actions, int fd, MemorySegment path, int flags, int mode) {
    try {
      return (int) SPAWN_FILE_ACTIONS_ADDOPEN.handle().invokeExact(actions, fd, path, flags, mode);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnFileActionsAdddup2(MemorySegment actions, int fd, int newFd) {
    try {
      return (int) SPAWN_FILE_ACTIONS_ADDDUP2.handle().invokeExact(actions, fd, newFd);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnFileActionsAddchdir(MemorySegment actions, MemorySegment dir) {
    try {
      return (int) SPAWN_FILE_ACTIONS_ADDCHDIR.handle().invokeExact(actions, dir);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** Whether {@link #posixSpawnFileActionsAddclosefrom} is available (glibc 2.34+). */
  static boolean hasPosixSpawnFileActionsAddclosefrom() {
    return SPAWN_FILE_ACTIONS_ADDCLOSEFROM != null;
  }

  static int posixSpawnFileActionsAddclosefrom(MemorySegment actions, int from) {
    Downcall handle = SPAWN_FILE_ACTIONS_ADDCLOSEFROM;
    if (handle == null) {
      throw new UnsupportedOperationException(
          "libc has no posix_spawn_file_actions_addclosefrom_np");
    }
    try {
      return (int) handle.handle().invokeExact(actions, from);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnattrInit(MemorySegment attr) {
    try {
      return (int) SPAWNATTR_INIT.handle().invokeExact(attr);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnattrDestroy(MemorySegment attr) {
    try {
      return (int) SPAWNATTR_DESTROY.handle().invokeExact(attr);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnattrSetflags(MemorySegment attr, short flags) {
    try {
      return (int) SPAWNATTR_SETFLAGS.handle().invokeExact(attr, flags);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnattrSetsigmask(MemorySegment attr, MemorySegment mask) {
    try {
      return (int) SPAWNATTR_SETSIGMASK.handle().invokeExact(attr, mask);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  static int posixSpawnattrSetsigdefault(MemorySegment attr, MemorySegment signals) {
    try {
      return (int) SPAWNATTR_SETSIGDEFAULT.handle().invokeExact(attr, signals);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** Closes {@code fd} ignoring errors: for cleanup paths that already have a failure to report. */
  static void closeQuietly(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      close(errnoSlot(arena), fd);
    }
  }

  /**
   * A libc function linked at its first call. Linking one costs ≈ 2-3 ms (the linker generates
   * and loads a class per function, which no AOT cache keeps), and the 45 linked up front took
   * ≈ 120 ms of every start, most of them for functions that only a later RPC calls.
   */
  private static final class Downcall {
    private final MemorySegment function;
    private final FunctionDescriptor descriptor;
    private final Linker.Option[] options;
    private volatile @Nullable MethodHandle handle;

    Downcall(MemorySegment function, FunctionDescriptor descriptor, Linker.Option... options) {
      this.function = function;
      this.descriptor = descriptor;
      this.options = options;
    }

    /** For functions that report failure in errno: each call passes a slot the callee's errno lands in. */
    static Downcall errnoCapturing(String name, FunctionDescriptor descriptor, Linker.Option... options) {
      Linker.Option[] all = new Linker.Option[options.length + 1];
      all[0] = Linker.Option.captureCallState("errno");
      System.arraycopy(options, 0, all, 1, options.length);
      return new Downcall(find(name), descriptor, all);
    }

    /** For functions that report failure by their return value and leave errno alone. */
    static Downcall plain(String name, FunctionDescriptor descriptor) {
      return new Downcall(find(name), descriptor);
    }

    /** Two threads may both link at once; either handle calls the same function. */
    MethodHandle handle() {
      MethodHandle h = handle;
      if (h == null) {
        h = LINKER.downcallHandle(function, descriptor, options);
        handle = h;
      }
      return h;
    }
  }

  private static MemorySegment find(String name) {
    return LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
  }

  // A downcall only throws for a programming error (a closed arena, a wrong thread).
  private static RuntimeException unexpected(Throwable t) {
    if (t instanceof RuntimeException e) {
      return e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("native call failed", t);
  }
}
