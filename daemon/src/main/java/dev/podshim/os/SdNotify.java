package dev.podshim.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The systemd notify protocol, for a {@code Type=notify} service: one datagram per state
 * change, sent to the AF_UNIX socket named by {@code NOTIFY_SOCKET}. Java's channels cannot
 * send unix datagrams, hence the syscalls.
 */
public final class SdNotify {

  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int MSG_NOSIGNAL = 0x4000;
  // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
  private static final int SUN_PATH_OFFSET = 2;
  private static final int SUN_PATH_SIZE = 108;

  private SdNotify() {}

  /**
   * Sends {@code state}, e.g. {@code "READY=1"} or {@code "STATUS=recovering"}; newline-separated
   * assignments may go in one call. Returns false, having done nothing, when not run by systemd
   * (no {@code NOTIFY_SOCKET}).
   */
  public static boolean notify(String state) {
    return notify(state, System.getenv());
  }

  /**
   * How often systemd expects {@code WATCHDOG=1}, if it watches this process: {@code
   * WATCHDOG_USEC}, unless {@code WATCHDOG_PID} names another process.
   */
  public static OptionalLong watchdogIntervalMicros() {
    return watchdogIntervalMicros(System.getenv(), ProcessHandle.current().pid());
  }

  static boolean notify(String state, Map<String, String> env) {
    requireNonNull(state, "state");
    String socket = env.get("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return false;
    }
    byte[] path = socketPath(socket);
    byte[] message = state.getBytes(StandardCharsets.UTF_8);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment address = arena.allocate(SUN_PATH_OFFSET + SUN_PATH_SIZE, 2);
      address.set(JAVA_SHORT, 0, (short) AF_UNIX);
      MemorySegment.copy(path, 0, address, JAVA_BYTE, SUN_PATH_OFFSET, path.length);
      MemorySegment buffer = arena.allocate(Math.max(1, message.length));
      MemorySegment.copy(message, 0, buffer, JAVA_BYTE, 0, message.length);

      int fd = Libc.socket(err, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new OsException("socket", "AF_UNIX datagram for " + socket, Libc.errno(err));
      }
      try {
        long sent = Libc.sendto(err, fd, buffer, message.length, MSG_NOSIGNAL, address,
            SUN_PATH_OFFSET + path.length);
        if (sent < 0) {
          throw new OsException("sendto", "NOTIFY_SOCKET " + socket, Libc.errno(err));
        }
      } finally {
        Libc.closeQuietly(fd);
      }
      return true;
    }
  }

  static OptionalLong watchdogIntervalMicros(Map<String, String> env, long ownPid) {
    String usec = env.get("WATCHDOG_USEC");
    String pid = env.get("WATCHDOG_PID");
    try {
      if (usec == null || (pid != null && Long.parseLong(pid.trim()) != ownPid)) {
        return OptionalLong.empty();
      }
      long micros = Long.parseLong(usec.trim());
      return micros > 0 ? OptionalLong.of(micros) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // systemd ignores a malformed value too
    }
  }

  /**
   * sun_path bytes for NOTIFY_SOCKET: a filesystem path with its NUL, or for a leading '@' an
   * abstract name, which starts with NUL and is not terminated.
   */
  private static byte[] socketPath(String socket) {
    byte[] name = socket.getBytes(StandardCharsets.UTF_8);
    byte[] path;
    if (name[0] == '/') {
      path = new byte[name.length + 1];
      System.arraycopy(name, 0, path, 0, name.length);
    } else if (name[0] == '@') {
      path = name.clone();
      path[0] = 0;
    } else {
      throw new OsException("sd_notify", "NOTIFY_SOCKET " + socket, Libc.EAFNOSUPPORT,
          "only a path or an @abstract name is supported");
    }
    if (path.length > SUN_PATH_SIZE) {
      throw new OsException("sd_notify", "NOTIFY_SOCKET " + socket, Libc.EINVAL, "name too long");
    }
    return path;
  }
}
