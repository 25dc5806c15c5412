package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a callback each time a watched file is modified, from inotify's IN_MODIFY. One platform
 * thread serves every watch. Made for cgroup event files such as {@code memory.events}: the kernel
 * announces each change of them through inotify, so a count is read when it moves, not polled.
 * A watch ends by itself when its file is removed (the kernel drops it, IN_IGNORED).
 */
public final class FileModifyWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FileModifyWatcher.class);

  private static final int IN_NONBLOCK = 0x800;
  private static final int IN_CLOEXEC = 0x80000;
  private static final int IN_MODIFY = 0x2;
  private static final int IN_IGNORED = 0x8000;
  private static final short POLLIN = 0x1;
  /** struct inotify_event: int wd; uint32 mask, cookie, len; then len bytes of name. */
  private static final int EVENT_HEADER = 16;
  private static final int BUFFER = 16 * 1024;

  /** One watch; closing it ends it (no-op once its file is gone). */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  private final int inotifyFd;
  private final int wakeFd;
  private final Thread thread;
  private final Object lock = new Object();
  private final Map<Integer, Runnable> callbacks = new HashMap<>(); // guarded by lock
  private volatile boolean closed;

  public FileModifyWatcher(String threadName) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      inotifyFd = Libc.inotifyInit1(err, IN_NONBLOCK | IN_CLOEXEC);
      if (inotifyFd < 0) {
        throw new OsException("inotify_init1", threadName, Libc.errno(err));
      }
      wakeFd = Wakeup.open(err);
      if (wakeFd < 0) {
        int errno = Libc.errno(err);
        Libc.closeQuietly(inotifyFd);
        throw new OsException("eventfd", threadName, errno);
      }
    }
    thread = Thread.ofPlatform().daemon().name(threadName).start(this::run);
  }

  /**
   * Runs {@code onModify} on the watcher thread after each modification of {@code file}, until
   * the watch is closed or the file removed. {@code onModify} must be quick; what it throws is
   * logged. A file can have only one watch at a time.
   *
   * @throws OsException when the file cannot be watched (ENOENT when it does not exist)
   */
  public Watch watch(Path file, Runnable onModify) {
    requireNonNull(file, "file");
    requireNonNull(onModify, "onModify");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("file watcher is closed");
      }
      int wd;
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment err = Libc.errnoSlot(arena);
        wd = Libc.inotifyAddWatch(err, inotifyFd, arena.allocateFrom(file.toString()), IN_MODIFY);
        if (wd < 0) {
          throw new OsException("inotify_add_watch", file.toString(), Libc.errno(err));
        }
      }
      if (callbacks.putIfAbsent(wd, onModify) != null) {
        throw new IllegalArgumentException(file + " is already watched");
      }
      return () -> unwatch(wd, onModify);
    }
  }

  private void unwatch(int wd, Runnable onModify) {
    synchronized (lock) {
      // The kernel may already have dropped the watch (file removed) and reused its number.
      if (!closed && callbacks.remove(wd, onModify)) {
        try (Arena arena = Arena.ofConfined()) {
          Libc.inotifyRmWatch(Libc.errnoSlot(arena), inotifyFd, wd); // EINVAL when already gone
        }
      }
    }
  }

  /** How many watches are live; for tests and metrics. */
  public int size() {
    synchronized (lock) {
      return callbacks.size();
    }
  }

  /** Stops the thread; watches end. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      Wakeup.signal(wakeFd, "file watcher"); // under the lock: the thread closes the eventfd only while holding it
    }
    ThreadEnd.await(thread);
  }

  private void run() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment pollfds = arena.allocate(16, 8);
      pollfds.set(JAVA_INT, 0, inotifyFd);
      pollfds.set(JAVA_SHORT, 4, POLLIN);
      pollfds.set(JAVA_INT, 8, wakeFd);
      pollfds.set(JAVA_SHORT, 12, POLLIN);
      MemorySegment buffer = arena.allocate(BUFFER, 8);
      while (!closed) {
        if (Libc.poll(err, pollfds, 2, -1) < 0) {
          if (Libc.errno(err) == Libc.EINTR) {
            continue;
          }
          log.error("file watcher stops: poll: {}", Libc.strerror(Libc.errno(err)));
          return;
        }
        drain(err, buffer);
      }
    } finally {
      synchronized (lock) {
        closed = true;
        callbacks.clear();
        Libc.closeQuietly(wakeFd);
        Libc.closeQuietly(inotifyFd);
      }
    }
  }

  private void drain(MemorySegment err, MemorySegment buffer) {
    while (!closed) {
      long n = Libc.read(err, inotifyFd, buffer, BUFFER);
      if (n <= 0) {
        return; // EAGAIN: all read
      }
      for (long at = 0; at + EVENT_HEADER <= n; at += EVENT_HEADER + buffer.get(JAVA_INT, at + 12)) {
        dispatch(buffer.get(JAVA_INT, at), buffer.get(JAVA_INT, at + 4));
      }
    }
  }

  private void dispatch(int wd, int mask) {
    Runnable callback;
    synchronized (lock) {
      callback = (mask & IN_IGNORED) != 0 ? callbacks.remove(wd) : callbacks.get(wd);
    }
    if (callback == null || (mask & IN_MODIFY) == 0) {
      return;
    }
    try {
      callback.run();
    } catch (Throwable t) {
      // one callback must not stop the watches of every other container
      log.error("file modification callback failed", t);
    }
  }
}
