package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A connected AF_UNIX SOCK_SEQPACKET client socket, as conmon's attach socket takes: each send is
 * one message and each receive returns exactly one. Java's channels speak only SOCK_STREAM on
 * unix sockets, hence the syscalls.
 *
 * <p>One thread may receive while others send and another shuts the socket down: {@link
 * #shutdown} wakes a blocked receive (it returns EOF) and a blocked send (EPIPE), and {@link #close}
 * releases the fd only once no call is using it, so that a late call can never reach an fd number
 * the process has reused meanwhile.
 */
public final class UnixSeqpacket implements AutoCloseable {
  private static final int AF_UNIX = 1;
  private static final int SOCK_SEQPACKET = 5;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int O_PATH = 010000000;
  private static final int O_CLOEXEC = 02000000;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int SHUT_WR = 1;
  private static final int SHUT_RDWR = 2;
  // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
  private static final int SUN_PATH_OFFSET = 2;
  private static final int SUN_PATH_SIZE = 108;

  /** The largest message {@link #receive} takes whole; conmon sends at most 8 KiB + 1. */
  public static final int MAX_RECEIVE = 64 * 1024;
  /** The largest message {@link #send} takes. */
  public static final int MAX_SEND = 64 * 1024;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Object receiving = new Object();
  private final Object sending = new Object();
  private final Arena arena = Arena.ofShared();
  private final MemorySegment receiveBuffer = arena.allocate(MAX_RECEIVE);
  private final MemorySegment sendBuffer = arena.allocate(MAX_SEND);
  private final MemorySegment receiveErr = Libc.errnoSlot(arena);
  private final MemorySegment sendErr = Libc.errnoSlot(arena);
  private final String name;
  private int fd;

  private UnixSeqpacket(int fd, String name) {
    this.fd = fd;
    this.name = name;
  }

  /**
   * Connects to the socket at {@code path}. A path too long for sun_path (108 bytes) is reached
   * through its directory's {@code /proc/self/fd} entry, as conmon binds it. A missing socket is
   * errno ENOENT, one nobody listens on ECONNREFUSED.
   */
  public static UnixSeqpacket connect(Path path) {
    requireNonNull(path, "path");
    try (Arena call = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(call);
      int dirFd = -1;
      byte[] address = path.toString().getBytes(StandardCharsets.UTF_8);
      if (address.length >= SUN_PATH_SIZE) {
        Path parent = path.toAbsolutePath().getParent();
        dirFd = Libc.open(err, call.allocateFrom(parent.toString()), O_PATH | O_CLOEXEC);
        if (dirFd < 0) {
          throw new OsException("open", parent.toString(), Libc.errno(err));
        }
        address = ("/proc/self/fd/" + dirFd + "/" + path.getFileName()).getBytes(StandardCharsets.UTF_8);
      }
      try {
        if (address.length >= SUN_PATH_SIZE) {
          throw new OsException("connect", path.toString(), Libc.EINVAL, "socket name too long");
        }
        MemorySegment sockaddr = call.allocate(SUN_PATH_OFFSET + SUN_PATH_SIZE, 2);
        sockaddr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(address, 0, sockaddr, JAVA_BYTE, SUN_PATH_OFFSET, address.length);
        int fd = Libc.socket(err, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0) {
          throw new OsException("socket", "AF_UNIX seqpacket for " + path, Libc.errno(err));
        }
        int rc;
        do {
          rc = Libc.connect(err, fd, sockaddr, SUN_PATH_OFFSET + address.length + 1);
        } while (rc != 0 && Libc.errno(err) == Libc.EINTR);
        if (rc != 0) {
          int errno = Libc.errno(err);
          Libc.closeQuietly(fd);
          throw new OsException("connect", path.toString(), errno);
        }
        return new UnixSeqpacket(fd, path.toString());
      } finally {
        if (dirFd >= 0) {
          Libc.closeQuietly(dirFd);
        }
      }
    }
  }

  /**
   * Blocks for the next message and copies it into {@code buffer} (which holds {@link
   * #MAX_RECEIVE} bytes or more); returns its length, or -1 at end of stream: the peer closed or
   * shut down its side, or this socket was shut down or closed. A zero-length message reads as
   * end of stream too: on SOCK_SEQPACKET the two cannot be told apart.
   */
  public int receive(byte[] buffer) {
    lock.readLock().lock();
    try {
      synchronized (receiving) {
        if (fd < 0) {
          return -1;
        }
        long n;
        do {
          n = Libc.recv(receiveErr, fd, receiveBuffer, Math.min(buffer.length, MAX_RECEIVE), 0);
        } while (n < 0 && Libc.errno(receiveErr) == Libc.EINTR);
        if (n < 0) {
          int errno = Libc.errno(receiveErr);
          if (errno == Libc.ECONNRESET) {
            return -1;
          }
          throw new OsException("recv", name, errno);
        }
        if (n == 0) {
          return -1;
        }
        MemorySegment.copy(receiveBuffer, JAVA_BYTE, 0, buffer, 0, (int) n);
        return (int) n;
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Sends one message of {@code length} bytes (at most {@link #MAX_SEND}); blocks while the peer
   * does not read. A peer that is gone, or a socket shut down for writing, is errno EPIPE.
   */
  public void send(byte[] data, int offset, int length) {
    if (length > MAX_SEND) {
      throw new IllegalArgumentException("message of " + length + " bytes exceeds " + MAX_SEND);
    }
    lock.readLock().lock();
    try {
      synchronized (sending) {
        if (fd < 0) {
          throw new OsException("send", name, Libc.EPIPE, "socket closed");
        }
        MemorySegment.copy(data, offset, sendBuffer, JAVA_BYTE, 0, length);
        long n;
        do {
          n = Libc.send(sendErr, fd, sendBuffer, length, MSG_NOSIGNAL);
        } while (n < 0 && Libc.errno(sendErr) == Libc.EINTR);
        if (n < 0) {
          throw new OsException("send", name, Libc.errno(sendErr));
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Half-closes: the peer reads end of stream, and this side can still receive. */
  public void shutdownOutput() {
    shutdown(SHUT_WR);
  }

  /** Shuts both directions down, waking any blocked receive or send. */
  public void shutdown() {
    shutdown(SHUT_RDWR);
  }

  private void shutdown(int how) {
    lock.readLock().lock();
    try (Arena call = Arena.ofConfined()) {
      if (fd >= 0) {
        // ENOTCONN once the peer is gone: nothing left to shut down
        Libc.shutdown(Libc.errnoSlot(call), fd, how);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Shuts the socket down, waits for calls in progress to return, closes the fd; idempotent. */
  @Override
  public void close() {
    shutdown();
    lock.writeLock().lock();
    try {
      if (fd >= 0) {
        Libc.closeQuietly(fd);
        fd = -1;
        arena.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
