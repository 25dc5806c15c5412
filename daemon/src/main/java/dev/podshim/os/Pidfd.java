package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalInt;

/**
 * A pidfd: a handle on one process that, unlike a pid, can never come to mean another process
 * after this one is reaped. Signals sent and waits done through it are free of pid-reuse races.
 *
 * <p>Methods are synchronized with {@link #close} so that none of them can act on the number of
 * an fd that was closed and reused meanwhile.
 */
public final class Pidfd implements AutoCloseable {

  public static final int SIGTERM = 15;
  public static final int SIGKILL = 9;

  private static final int PIDFD_FLAGS = 0; // pidfd_open always sets O_CLOEXEC
  private static final int P_PIDFD = 3;
  private static final int WNOHANG = 1;
  private static final int WEXITED = 4;
  private static final int CLD_EXITED = 1;
  private static final short POLLIN = 0x1;
  private static final short POLLHUP = 0x10;
  // siginfo_t as waitid fills it, on 64-bit Linux: si_code at 8, si_pid at 16, si_status at 24.
  private static final long SIGINFO_SIZE = 128;
  private static final long SI_CODE = 8;
  private static final long SI_PID = 16;
  private static final long SI_STATUS = 24;

  private final long pid;
  private final int fd;
  private boolean closed;

  private Pidfd(long pid, int fd) {
    this.pid = pid;
    this.fd = fd;
  }

  /** Opens a pidfd for {@code pid}; a process that does not exist is errno ESRCH. */
  public static Pidfd open(long pid) {
    if (pid <= 0 || pid > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("not a pid: " + pid);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int fd = Libc.pidfdOpen(err, pid, PIDFD_FLAGS);
      if (fd < 0) {
        throw new OsException("pidfd_open", Long.toString(pid), Libc.errno(err));
      }
      return new Pidfd(pid, fd);
    }
  }

  public int fd() {
    return fd;
  }

  public long pid() {
    return pid;
  }

  /**
   * Sends {@code sig}; a process that has already exited is not an error, and neither is a
   * closed pidfd (it is closed once its process was seen to exit), so a stop racing the exit
   * is a no-op rather than a failure.
   */
  public synchronized void signal(int sig) {
    if (closed) {
      return;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      if (Libc.pidfdSendSignal(err, fd, sig) != 0) {
        int errno = Libc.errno(err);
        if (errno != Libc.ESRCH) {
          throw new OsException("pidfd_send_signal", "signal " + sig + " to " + pid, errno);
        }
      }
    }
  }

  /** Whether the process still runs: a pidfd turns readable when its process exits. */
  public synchronized boolean isAlive() {
    ensureOpen();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment pollfd = arena.allocate(8);
      pollfd.set(JAVA_INT, 0, fd);
      pollfd.set(JAVA_SHORT, 4, POLLIN);
      while (true) {
        int rc = Libc.poll(err, pollfd, 1, 0);
        if (rc >= 0) {
          return rc == 0 || (pollfd.get(JAVA_SHORT, 6) & (POLLIN | POLLHUP)) == 0;
        }
        if (Libc.errno(err) != Libc.EINTR) {
          throw new OsException("poll", "pidfd of " + pid, Libc.errno(err));
        }
      }
    }
  }

  /**
   * Reaps the process if it is a child of ours that has exited, and returns its exit status:
   * the exit code, or 128 + the signal that killed it. Empty while it still runs, and when it
   * is not our child or was already reaped (ECHILD).
   */
  public synchronized OptionalInt tryReap() {
    ensureOpen();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment info = arena.allocate(SIGINFO_SIZE); // zeroed: si_pid stays 0 if none
      while (true) {
        if (Libc.waitid(err, P_PIDFD, fd, info, WEXITED | WNOHANG) == 0) {
          break;
        }
        int errno = Libc.errno(err);
        if (errno == Libc.ECHILD) {
          return OptionalInt.empty();
        }
        if (errno != Libc.EINTR) {
          throw new OsException("waitid", "pidfd of " + pid, errno);
        }
      }
      if (info.get(JAVA_INT, SI_PID) == 0) {
        return OptionalInt.empty();
      }
      int status = info.get(JAVA_INT, SI_STATUS);
      return OptionalInt.of(info.get(JAVA_INT, SI_CODE) == CLD_EXITED ? status : 128 + status);
    }
  }

  /**
   * {@link #tryReap} for teardown paths: a closed pidfd, a process that is not our child (the
   * daemon restarted, so PID 1 owns it now) or an unexpected errno reap nothing and throw nothing.
   */
  public synchronized OptionalInt tryReapQuietly() {
    if (closed) {
      return OptionalInt.empty();
    }
    try {
      return tryReap();
    } catch (OsException e) {
      return OptionalInt.empty();
    }
  }

  /** Closes the pidfd; idempotent. Unwatch it from an {@link ExitWatcher} first. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      if (Libc.close(err, fd) != 0) {
        throw new OsException("close", "pidfd of " + pid, Libc.errno(err));
      }
    }
  }

  /** Whether {@link #close} has not been called; callers hold this object's lock. */
  synchronized boolean isOpen() {
    return !closed;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("pidfd of " + pid + " is closed");
    }
  }

  @Override
  public String toString() {
    return "Pidfd[pid=" + pid + ", fd=" + fd + "]";
  }
}
