package dev.podshim.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * Runs a short-lived program to completion and collects what it writes: posix_spawn through
 * the FFM API. ProcessBuilder costs milliseconds per start on a small node (its helper exec,
 * pipes wrapped in streams, a reaper thread); this is one vfork-style clone and one exec.
 *
 * <p>The child gets stdin on /dev/null, stdout and stderr on pipes, the environment it is given (none by default), an
 * empty signal mask and every signal at its default action (a JVM thread may block or ignore
 * signals, and both survive exec), and no other fd of ours. Both pipes are read to EOF and then
 * exactly this child is reaped through its pidfd; nothing ever waits for any child.
 */
public final class Spawn {

  /**
   * How the program ended and what it wrote. {@code exitStatus} is the exit code, or 128 + the
   * signal that killed it. Each stream keeps its first {@link #MAX_OUTPUT} bytes, or as many as
   * the {@link SpawnSpec} says.
   */
  public record Result(int exitStatus, String stdout, String stderr) {
    public Result {
      requireNonNull(stdout, "stdout");
      requireNonNull(stderr, "stderr");
    }
  }

  /** Bytes kept of each stream; more is read and dropped so the child never blocks on a pipe. */
  public static final int MAX_OUTPUT = 1 << 20;

  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  // Opaque to us. glibc on x86-64 needs 80 and 336 bytes; leave room for any other layout.
  private static final long FILE_ACTIONS_SIZE = 512;
  private static final long SPAWNATTR_SIZE = 512;
  private static final long SIGSET_SIZE = 128; // glibc's sigset_t: 1024 bits
  private static final int SIGKILL = 9;
  private static final int P_PID = 1;
  private static final int WEXITED = 4;
  private static final long SIGINFO_SIZE = 128;
  private static final short POLLIN = 0x1;
  private static final long POLLFD_SIZE = 8; // struct pollfd { int fd; short events, revents; }
  private static final long READ_CHUNK = 16 * 1024;
  // After SIGKILL only a process stuck in the kernel (D state) takes long to go.
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);

  private Spawn() {}

  /**
   * Runs {@code argv}, whose first element is the program's path (not looked up in PATH), and
   * returns once it has exited and both its stdout and stderr are at EOF. A program that cannot
   * be started throws {@link OsException} with the errno, e.g. ENOENT. When {@code timeout}
   * passes first the child is killed and reaped, and the call throws {@link OsException} with
   * errno ETIMEDOUT.
   *
   * <p>Anything the child leaves holding its stdout or stderr (a background grandchild) keeps
   * the call waiting until the timeout.
   */
  public static Result run(List<String> argv, Duration timeout) {
    return run(new SpawnSpec(argv, List.of(), List.of(), timeout));
  }

  /**
   * As {@link #run(List, Duration)}, with the environment and the extra fds the spec names: the
   * i-th extra fd becomes fd 3 + i in the child (conmon's sync pipe, say), every other fd of ours
   * is closed. The caller keeps its own copies of the extra fds and closes them.
   */
  public static Result run(SpawnSpec spec) {
    requireNonNull(spec, "spec");
    List<String> argv = spec.argv();
    Duration timeout = spec.timeout();
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv is empty");
    }
    for (String arg : argv) {
      if (arg.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("argument contains NUL: " + arg.replace('\0', '?'));
      }
    }
    for (String entry : spec.env()) {
      if (entry.indexOf('\0') >= 0 || entry.indexOf('=') <= 0) {
        throw new IllegalArgumentException("bad environment entry: " + entry.replace('\0', '?'));
      }
    }
    int firstFree = 3 + spec.extraFds().size();
    for (int fd : spec.extraFds()) {
      if (fd < firstFree) {
        // dup2 onto 3.. would overwrite it before it is copied
        throw new IllegalArgumentException("extra fd " + fd + " is below " + firstFree);
      }
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String path = argv.getFirst();
    try (Arena arena = Arena.ofConfined()) {
      Pipe out = Pipe.open(arena, path, spec.maxOutputBytes());
      Pipe errs;
      try {
        errs = Pipe.open(arena, path, spec.maxOutputBytes());
      } catch (RuntimeException e) {
        out.close();
        throw e;
      }
      try {
        int pid = spawn(arena, path, argv, spec.env(), spec.extraFds(), spec.workDir(), out.writeFd, errs.writeFd);
        // Only the child may hold the write ends, or EOF never comes.
        out.closeWrite();
        errs.closeWrite();
        return collect(arena, path, pid, out, errs, deadline, timeout);
      } finally {
        out.close();
        errs.close();
      }
    }
  }

  private static int spawn(Arena arena, String path, List<String> argv, List<String> env, List<Integer> extraFds,
      java.nio.file.@Nullable Path workDir, int stdout, int stderr) {
    MemorySegment argvSegment = nullTerminated(arena, argv);
    MemorySegment envp = nullTerminated(arena, env);
    MemorySegment actions = arena.allocate(FILE_ACTIONS_SIZE, 16);
    check(Libc.posixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init", path);
    try {
      check(Libc.posixSpawnFileActionsAddopen(
          actions, 0, arena.allocateFrom("/dev/null"), O_RDONLY, 0),
          "posix_spawn_file_actions_addopen", path);
      // The JVM keeps fds 0-2 open, so the pipe ends are above 2 and cannot be overwritten here.
      check(Libc.posixSpawnFileActionsAdddup2(actions, stdout, 1),
          "posix_spawn_file_actions_adddup2", path);
      check(Libc.posixSpawnFileActionsAdddup2(actions, stderr, 2),
          "posix_spawn_file_actions_adddup2", path);
      for (int i = 0; i < extraFds.size(); i++) {
        // dup2 clears close-on-exec on the copy: exactly these reach the program
        check(Libc.posixSpawnFileActionsAdddup2(actions, extraFds.get(i), 3 + i),
            "posix_spawn_file_actions_adddup2", path);
      }
      if (workDir != null) {
        check(Libc.posixSpawnFileActionsAddchdir(actions, arena.allocateFrom(workDir.toString())),
            "posix_spawn_file_actions_addchdir_np", path);
      }
      if (Libc.hasPosixSpawnFileActionsAddclosefrom()) {
        // Java opens many fds without O_CLOEXEC; ProcessBuilder closes them in the child too.
        check(Libc.posixSpawnFileActionsAddclosefrom(actions, 3 + extraFds.size()),
            "posix_spawn_file_actions_addclosefrom_np", path);
      }
      MemorySegment attr = arena.allocate(SPAWNATTR_SIZE, 16);
      check(Libc.posixSpawnattrInit(attr), "posix_spawnattr_init", path);
      try {
        // A sigset_t is a bit array: zeroed, it is empty. The JVM's threads block SIGQUIT
        // at least, and a blocked mask survives exec.
        MemorySegment signals = arena.allocate(SIGSET_SIZE, 8);
        check(Libc.posixSpawnattrSetsigmask(attr, signals), "posix_spawnattr_setsigmask", path);
        // Every bit: sigfillset leaves out glibc's internal signals 32 and 33, and the spawn
        // child then sets them to SIG_IGN, which survives exec. All signals stay blocked in the
        // child until just before exec, so SIG_DFL there is safe.
        signals.fill((byte) 0xff);
        check(Libc.posixSpawnattrSetsigdefault(attr, signals),
            "posix_spawnattr_setsigdefault", path);
        check(Libc.posixSpawnattrSetflags(
            attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)),
            "posix_spawnattr_setflags", path);
        MemorySegment pid = arena.allocate(JAVA_INT);
        // glibc reports a failed exec here too (and reaps that child itself).
        check(Libc.posixSpawn(pid, arena.allocateFrom(path), actions, attr, argvSegment, envp),
            "posix_spawn", path);
        return pid.get(JAVA_INT, 0);
      } finally {
        Libc.posixSpawnattrDestroy(attr);
      }
    } finally {
      Libc.posixSpawnFileActionsDestroy(actions);
    }
  }

  private static MemorySegment nullTerminated(Arena arena, List<String> strings) {
    MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L); // zeroed: NULL-ended
    for (int i = 0; i < strings.size(); i++) {
      array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
    }
    return array;
  }

  /** Reads both pipes to EOF and reaps the child, all before {@code deadline}. */
  private static Result collect(Arena arena, String path, int pid, Pipe out, Pipe errs,
      long deadline, Duration timeout) {
    Pidfd pidfd;
    try {
      pidfd = Pidfd.open(pid); // safe: an unreaped child keeps its pid
    } catch (OsException e) {
      killAndReap(arena, pid);
      throw e;
    }
    try (pidfd) {
      @Nullable Result result;
      try {
        result = collect(arena, path, pidfd, out, errs, deadline);
      } catch (RuntimeException | Error e) {
        killAndReap(pidfd);
        throw e;
      }
      if (result == null) {
        boolean reaped = killAndReap(pidfd).isPresent();
        throw new OsException("spawn", path, Libc.ETIMEDOUT, "no exit within "
            + timeout.toMillis() + " ms, killed" + (reaped ? "" : " but not yet reaped"));
      }
      return result;
    }
  }

  /** The result, or null once {@code deadline} has passed. */
  private static @Nullable Result collect(
      Arena arena, String path, Pidfd pidfd, Pipe out, Pipe errs, long deadline) {
    MemorySegment err = Libc.errnoSlot(arena);
    MemorySegment buffer = arena.allocate(READ_CHUNK);
    MemorySegment pollfds = arena.allocate(3 * POLLFD_SIZE, 4);
    Pipe[] pipes = {out, errs};
    boolean exited = false;
    while (out.readFd >= 0 || errs.readFd >= 0 || !exited) {
      // A negative fd is skipped by poll: that stream is at EOF, or the child is known gone.
      for (int i = 0; i < pipes.length; i++) {
        pollfds.set(JAVA_INT, i * POLLFD_SIZE, pipes[i].readFd);
      }
      pollfds.set(JAVA_INT, 2 * POLLFD_SIZE, exited ? -1 : pidfd.fd());
      for (int i = 0; i < 3; i++) {
        pollfds.set(JAVA_SHORT, i * POLLFD_SIZE + 4, POLLIN);
        pollfds.set(JAVA_SHORT, i * POLLFD_SIZE + 6, (short) 0);
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return null;
      }
      int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, (remaining + 999_999) / 1_000_000);
      if (Libc.poll(err, pollfds, 3, timeoutMillis) < 0) {
        if (Libc.errno(err) == Libc.EINTR) {
          continue;
        }
        throw new OsException("poll", "pipes of " + path, Libc.errno(err));
      }
      for (int i = 0; i < pipes.length; i++) {
        if (pollfds.get(JAVA_SHORT, i * POLLFD_SIZE + 6) != 0) {
          pipes[i].readOnce(err, buffer, path);
        }
      }
      if (pollfds.get(JAVA_SHORT, 2 * POLLFD_SIZE + 6) != 0) {
        exited = true; // a pidfd turns readable when its process exits
      }
    }
    OptionalInt status = pidfd.tryReap();
    if (status.isEmpty()) {
      // Only if something else in this process waits for any child.
      throw new OsException("waitid", path + " (pid " + pidfd.pid() + ")", Libc.ECHILD);
    }
    return new Result(status.getAsInt(), out.text(), errs.text());
  }

  /** SIGKILL, then reap, waiting at most {@link #KILL_WAIT}; empty if it could not be reaped. */
  private static OptionalInt killAndReap(Pidfd pidfd) {
    pidfd.signal(SIGKILL);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment pollfd = arena.allocate(POLLFD_SIZE, 4);
      pollfd.set(JAVA_INT, 0, pidfd.fd());
      pollfd.set(JAVA_SHORT, 4, POLLIN);
      long deadline = System.nanoTime() + KILL_WAIT.toNanos();
      long remaining;
      while ((remaining = deadline - System.nanoTime()) > 0) {
        int rc = Libc.poll(err, pollfd, 1, (int) ((remaining + 999_999) / 1_000_000));
        if (rc > 0 || (rc < 0 && Libc.errno(err) != Libc.EINTR)) {
          break;
        }
      }
    }
    return pidfd.tryReap();
  }

  // Only when pidfd_open failed (out of fds): the pid is still ours, as it is not reaped yet.
  private static void killAndReap(Arena arena, int pid) {
    MemorySegment err = Libc.errnoSlot(arena);
    MemorySegment info = arena.allocate(SIGINFO_SIZE);
    Libc.kill(err, pid, SIGKILL);
    while (Libc.waitid(err, P_PID, pid, info, WEXITED) != 0 && Libc.errno(err) == Libc.EINTR) {
      // retry
    }
  }

  private static void check(int errorNumber, String call, String path) {
    if (errorNumber != 0) {
      throw new OsException(call, path, errorNumber);
    }
  }

  /** Our two ends of one pipe, each -1 once closed, and what has been read from it. */
  private static final class Pipe {
    int readFd;
    int writeFd;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int limit;

    private Pipe(int readFd, int writeFd, int limit) {
      this.readFd = readFd;
      this.writeFd = writeFd;
      this.limit = limit;
    }

    /** A pipe whose ends are closed on exec: only the dup2 onto 1 and 2 reaches the child. */
    static Pipe open(Arena arena, String path, int limit) {
      MemorySegment err = Libc.errnoSlot(arena);
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      if (Libc.pipe2(err, fds, O_CLOEXEC) != 0) {
        throw new OsException("pipe2", "for " + path, Libc.errno(err));
      }
      return new Pipe(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1), limit);
    }

    /** One read(2): poll said it will not block. Closes the read end at EOF. */
    void readOnce(MemorySegment err, MemorySegment buffer, String path) {
      long n = Libc.read(err, readFd, buffer, buffer.byteSize());
      if (n > 0) {
        int keep = (int) Math.min(n, limit - bytes.size());
        if (keep > 0) {
          bytes.write(buffer.asSlice(0, keep).toArray(JAVA_BYTE), 0, keep);
        }
      } else if (n == 0) {
        Libc.closeQuietly(readFd);
        readFd = -1;
      } else if (Libc.errno(err) != Libc.EINTR) {
        throw new OsException("read", "output of " + path, Libc.errno(err));
      }
    }

    void closeWrite() {
      if (writeFd >= 0) {
        Libc.closeQuietly(writeFd);
        writeFd = -1;
      }
    }

    void close() {
      closeWrite();
      if (readFd >= 0) {
        Libc.closeQuietly(readFd);
        readFd = -1;
      }
    }

    String text() {
      return bytes.toString(UTF_8);
    }
  }
}
