package dev.podshim.os;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside a network namespace. The network namespace belongs to a thread, not to the
 * process, and {@code /proc/sys/net} resolves against the namespace of the thread that opens it:
 * so a new thread joins the namespace, does the work, and ends. No pooled thread ever runs in a
 * pod's namespace, and nothing has to switch back.
 */
public final class NetNamespace {
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 02000000;
  private static final int CLONE_NEWNET = 0x40000000;

  /** What runs inside the namespace. */
  @FunctionalInterface
  public interface Work {
    void run() throws IOException;
  }

  private NetNamespace() {}

  /**
   * Runs {@code work} in the network namespace at {@code nsPath} (a bind-mount pin or
   * {@code /proc/<pid>/ns/net}) and waits for it. Its exceptions reach the caller; failing to
   * enter the namespace is an {@link OsException}.
   */
  public static void run(Path nsPath, Work work) throws IOException {
    requireNonNull(nsPath, "nsPath");
    requireNonNull(work, "work");
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread = Thread.ofPlatform().name("netns " + nsPath).unstarted(() -> {
      try {
        enter(nsPath);
        work.run();
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    thread.start();
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // the work is short; the namespace thread must not be abandoned
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    switch (failure.get()) {
      case null -> { }
      case IOException e -> throw e;
      case RuntimeException e -> throw e;
      case Error e -> throw e;
      case Throwable t -> throw new IllegalStateException(t);
    }
  }

  private static void enter(Path nsPath) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      int fd = Libc.open(err, arena.allocateFrom(nsPath.toString()), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        throw new OsException("open", nsPath.toString(), Libc.errno(err));
      }
      try {
        if (Libc.setns(err, fd, CLONE_NEWNET) != 0) {
          throw new OsException("setns", nsPath.toString(), Libc.errno(err));
        }
      } finally {
        Libc.close(err, fd);
      }
    }
  }
}
