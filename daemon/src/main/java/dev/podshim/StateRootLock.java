package dev.podshim;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One daemon per state root, as containerd and CRI-O refuse a second instance on a locked store:
 * two daemons recovering and mutating the same sandboxes would tear down each other's work, and the
 * second would take over the first one's socket.
 *
 * <p>{@code <root>/podshimd.lock} is held with {@link FileChannel#tryLock()}, a POSIX (fcntl) lock:
 * the kernel drops it when the daemon exits however it exits, kill -9 included, and it belongs to
 * the daemon process, not to the pause and conmon processes that outlive it. The holder's pid is
 * written into the file for the refusal message; it means something only while the file is locked.
 * The file is never deleted: a daemon that unlinked it could leave the next two locking different
 * files. A POSIX lock is lost when the process closes any fd of the file, so nothing else in the
 * daemon opens it.
 */
final class StateRootLock implements AutoCloseable {
  static final String FILE_NAME = "podshimd.lock";
  /** How long to wait for a holder that has just locked the file to write its pid. */
  private static final long PID_WAIT_NANOS = 1_000_000_000L;

  private final FileChannel channel;
  private final FileLock lock;

  private StateRootLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code root}, which must exist, for this process.
   *
   * @throws InUseException if another daemon holds it
   */
  static StateRootLock acquire(Path root) throws IOException {
    Path file = root.resolve(FILE_NAME);
    FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
    try {
      FileLock lock = tryLock(channel);
      if (lock == null) {
        throw new InUseException(root, holderPid(file));
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(US_ASCII)), 0);
      channel.force(false);
      return new StateRootLock(channel, lock);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static @Nullable FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // this JVM already holds it: a second daemon in one process is refused too
    }
  }

  /** The pid the holder wrote, waiting briefly for one that has locked but not yet written. */
  private static OptionalLong holderPid(Path file) throws IOException {
    long deadline = System.nanoTime() + PID_WAIT_NANOS;
    while (true) {
      String text = new String(Files.readAllBytes(file), US_ASCII).strip();
      if (text.matches("\\d{1,18}")) {
        return OptionalLong.of(Long.parseLong(text));
      }
      if (System.nanoTime() > deadline) {
        return OptionalLong.empty();
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return OptionalLong.empty();
      }
    }
  }

  /** Releases the root: the next daemon may start on it. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }

  /** Another daemon holds the state root; the message says which root and which pid. */
  static final class InUseException extends IOException {
    private static final long serialVersionUID = 1L;

    InUseException(Path root, OptionalLong pid) {
      super("state root " + root + " is in use by "
          + (pid.isPresent() ? "podshimd pid " + pid.getAsLong() : "another podshimd (pid unknown)")
          + "; refusing to start");
    }
  }
}
