package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * A pipe whose write end a child inherits (through {@link SpawnSpec#extraFds}) to report back
 * once it has done something, as conmon reports the container's pid on {@code _OCI_SYNCPIPE}.
 * Both ends are close-on-exec here; only the copy dup'ed into the child survives its exec.
 *
 * <p>It also works the other way round, as conmon's {@code _OCI_STARTPIPE}: the child inherits
 * the read end ({@link #readFd}) and waits until we {@link #write}.
 */
public final class SyncPipe implements AutoCloseable {
  private static final int O_CLOEXEC = 0x80000;
  private static final short POLLIN = 0x1;
  private static final int MAX_MESSAGE = 64 * 1024;

  private int readFd;
  private int writeFd;

  private SyncPipe(int readFd, int writeFd) {
    this.readFd = readFd;
    this.writeFd = writeFd;
  }

  public static SyncPipe open() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      if (Libc.pipe2(err, fds, O_CLOEXEC) != 0) {
        throw new OsException("pipe2", "sync pipe", Libc.errno(err));
      }
      return new SyncPipe(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1));
    }
  }

  /** The end to hand to the child. */
  public int writeFd() {
    return writeFd;
  }

  /** The end to hand to a child that waits for our {@link #write}. */
  public int readFd() {
    return readFd;
  }

  /** Closes our copy of the read end, once the child holds its own. */
  public void closeRead() {
    if (readFd >= 0) {
      Libc.closeQuietly(readFd);
      readFd = -1;
    }
  }

  /**
   * Writes {@code message} whole (it must fit the pipe's buffer, as a short go-ahead does). A
   * reader that is gone is errno EPIPE.
   */
  public void write(String message) {
    byte[] bytes = message.getBytes(UTF_8);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment buffer = arena.allocate(Math.max(1, bytes.length));
      MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
      long done = 0;
      while (done < bytes.length) {
        long n = Libc.write(err, writeFd, buffer.asSlice(done), bytes.length - done);
        if (n < 0 && Libc.errno(err) == Libc.EINTR) {
          continue;
        }
        if (n < 0) {
          throw new OsException("write", "pipe", Libc.errno(err));
        }
        done += n;
      }
    }
  }

  /** Closes our copy of the write end, so that EOF comes when the child's copies are gone. */
  public void closeWrite() {
    if (writeFd >= 0) {
      Libc.closeQuietly(writeFd);
      writeFd = -1;
    }
  }

  /**
   * Reads until {@code complete} accepts what has arrived, EOF, or {@code timeout}; returns what
   * was read (possibly empty). Throws {@link OsException} with ETIMEDOUT when time runs out first.
   */
  public String read(Duration timeout, Predicate<String> complete) {
    long deadline = System.nanoTime() + timeout.toNanos();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment pollfd = arena.allocate(8, 4);
      MemorySegment buffer = arena.allocate(4096);
      while (true) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new OsException("read", "sync pipe", Libc.ETIMEDOUT,
              "nothing complete within " + timeout.toMillis() + " ms; got \"" + bytes.toString(UTF_8) + "\"");
        }
        pollfd.set(JAVA_INT, 0, readFd);
        pollfd.set(JAVA_SHORT, 4, POLLIN);
        pollfd.set(JAVA_SHORT, 6, (short) 0);
        int rc = Libc.poll(err, pollfd, 1, (int) Math.min(Integer.MAX_VALUE, (remaining + 999_999) / 1_000_000));
        if (rc < 0 && Libc.errno(err) == Libc.EINTR || rc == 0) {
          continue;
        }
        if (rc < 0) {
          throw new OsException("poll", "sync pipe", Libc.errno(err));
        }
        long n = Libc.read(err, readFd, buffer, buffer.byteSize());
        if (n < 0 && Libc.errno(err) == Libc.EINTR) {
          continue;
        }
        if (n < 0) {
          throw new OsException("read", "sync pipe", Libc.errno(err));
        }
        if (n == 0) {
          return bytes.toString(UTF_8);
        }
        if (bytes.size() < MAX_MESSAGE) {
          bytes.write(buffer.asSlice(0, n).toArray(JAVA_BYTE), 0, (int) n);
        }
        String text = bytes.toString(UTF_8);
        if (complete.test(text)) {
          return text;
        }
      }
    }
  }

  @Override
  public void close() {
    closeWrite();
    if (readFd >= 0) {
      Libc.closeQuietly(readFd);
      readFd = -1;
    }
  }
}
