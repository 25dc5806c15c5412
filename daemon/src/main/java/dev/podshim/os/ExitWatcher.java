package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a callback when a watched process exits. One platform thread waits in epoll on all
 * registered pidfds at once, so watching thousands of processes costs one thread and one fd
 * each, not a thread each.
 *
 * <p>Each registration carries its own token in the epoll data, never the bare fd number: an
 * event already fetched for a registration that was removed meanwhile finds no token and is
 * dropped, even if the fd number now belongs to another pidfd.
 */
public final class ExitWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ExitWatcher.class);

  private static final int EPOLL_CLOEXEC = 0x80000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLLIN = 0x1;
  private static final int MAX_EVENTS = 256;
  private static final long WAKE_TOKEN = 0;

  // struct epoll_event { uint32_t events; uint64_t data; } is packed on x86-64 only.
  private static final boolean PACKED_EVENT = isX86_64();
  private static final long EVENT_SIZE = PACKED_EVENT ? 12 : 16;
  private static final long EVENT_DATA = PACKED_EVENT ? 4 : 8;

  private record Watch(Pidfd pidfd, Runnable onExit) {}

  private final int epollFd;
  private final int wakeFd;
  private final Thread thread;
  private final Object lock = new Object();
  private final Map<Long, Watch> watches = new HashMap<>(); // guarded by lock
  private final Map<Pidfd, Long> tokens = new IdentityHashMap<>(); // guarded by lock
  private long nextToken = WAKE_TOKEN + 1; // guarded by lock
  private volatile boolean closed;

  public ExitWatcher() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      epollFd = Libc.epollCreate1(err, EPOLL_CLOEXEC);
      if (epollFd < 0) {
        throw new OsException("epoll_create1", "exit watcher", Libc.errno(err));
      }
      wakeFd = Wakeup.open(err);
      if (wakeFd < 0) {
        int errno = Libc.errno(err);
        Libc.closeQuietly(epollFd);
        throw new OsException("eventfd", "exit watcher", errno);
      }
      int errno = control(EPOLL_CTL_ADD, wakeFd, WAKE_TOKEN);
      if (errno != 0) {
        Libc.closeQuietly(wakeFd);
        Libc.closeQuietly(epollFd);
        throw new OsException("epoll_ctl", "add eventfd", errno);
      }
    }
    thread = Thread.ofPlatform().daemon().name("podshim-exit-watcher").start(this::run);
  }

  /**
   * Runs {@code onExit} on the watcher thread once the process behind {@code pidfd} has exited,
   * at once if it already has. The registration ends when it fires. {@code onExit} must be
   * quick; whatever it throws is logged.
   */
  public void watch(Pidfd pidfd, Runnable onExit) {
    requireNonNull(pidfd, "pidfd");
    requireNonNull(onExit, "onExit");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("exit watcher is closed");
      }
      if (tokens.containsKey(pidfd)) {
        throw new IllegalArgumentException(pidfd + " is already watched");
      }
      long token = nextToken++;
      synchronized (pidfd) {
        if (!pidfd.isOpen()) {
          throw new IllegalStateException(pidfd + " is closed");
        }
        int errno = control(EPOLL_CTL_ADD, pidfd.fd(), token);
        if (errno != 0) {
          throw new OsException("epoll_ctl", "watch pidfd of " + pidfd.pid(), errno);
        }
      }
      watches.put(token, new Watch(pidfd, onExit));
      tokens.put(pidfd, token);
    }
  }

  /**
   * Stops watching {@code pidfd}: its callback will not run unless it has already begun. No-op
   * if not watched.
   */
  public void unwatch(Pidfd pidfd) {
    requireNonNull(pidfd, "pidfd");
    synchronized (lock) {
      Long token = tokens.get(pidfd);
      if (token != null) {
        remove(token);
      }
    }
  }

  /** Stops the watcher thread; pending callbacks are dropped. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      Wakeup.signal(wakeFd, "exit watcher"); // under the lock: the thread closes the eventfd only while holding it
    }
    ThreadEnd.await(thread);
  }

  /** For tests: whether the watcher thread still runs. */
  boolean isRunning() {
    return thread.isAlive();
  }

  private void run() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment events = arena.allocate(EVENT_SIZE * MAX_EVENTS, 8);
      MemorySegment counter = arena.allocate(JAVA_LONG);
      while (!closed) {
        int n = Libc.epollWait(err, epollFd, events, MAX_EVENTS, -1);
        if (n < 0) {
          if (Libc.errno(err) == Libc.EINTR) {
            continue;
          }
          log.error("exit watcher stops: epoll_wait: {}", Libc.strerror(Libc.errno(err)));
          return;
        }
        for (int i = 0; i < n && !closed; i++) {
          long token = events.get(JAVA_LONG_UNALIGNED, i * EVENT_SIZE + EVENT_DATA);
          if (token == WAKE_TOKEN) {
            Libc.read(err, wakeFd, counter, 8); // EAGAIN when already drained is fine
          } else {
            fire(token);
          }
        }
      }
    } finally {
      synchronized (lock) {
        closed = true;
        watches.clear();
        tokens.clear();
        Libc.closeQuietly(wakeFd);
        Libc.closeQuietly(epollFd);
      }
    }
  }

  private void fire(long token) {
    Watch watch;
    synchronized (lock) {
      watch = remove(token);
    }
    if (watch == null) {
      return; // unwatched after epoll_wait reported it
    }
    try {
      watch.onExit().run();
    } catch (Throwable t) {
      // Whatever one callback does, the loop must go on: it watches every other pod too.
      log.error("exit callback for pid {} failed", watch.pidfd().pid(), t);
    }
  }

  // Caller holds lock.
  private @Nullable Watch remove(long token) {
    Watch watch = watches.remove(token);
    if (watch == null) {
      return null;
    }
    tokens.remove(watch.pidfd());
    synchronized (watch.pidfd()) {
      // A closed pidfd has left the epoll set by itself, and its number may be reused.
      if (watch.pidfd().isOpen()) {
        int errno = control(EPOLL_CTL_DEL, watch.pidfd().fd(), token);
        if (errno != 0 && errno != Libc.ENOENT) {
          log.warn("unwatch pid {}: epoll_ctl: {}", watch.pidfd().pid(), Libc.strerror(errno));
        }
      }
    }
    return watch;
  }

  /** epoll_ctl; returns 0 or the errno. */
  private int control(int op, int fd, long token) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment event = arena.allocate(EVENT_SIZE, 8);
      event.set(JAVA_INT, 0, EPOLLIN);
      event.set(JAVA_LONG_UNALIGNED, EVENT_DATA, token);
      return Libc.epollCtl(err, epollFd, op, fd, event) == 0 ? 0 : Libc.errno(err);
    }
  }

  private static boolean isX86_64() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return arch.equals("amd64") || arch.equals("x86_64");
  }
}
