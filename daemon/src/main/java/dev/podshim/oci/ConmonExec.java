package dev.podshim.oci;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.os.OsException;
import dev.podshim.os.Pidfd;
import dev.podshim.os.ProcessFamily;
import dev.podshim.os.ProcessGroup;
import dev.podshim.os.Spawn;
import dev.podshim.os.SpawnSpec;
import dev.podshim.os.SyncPipe;
import dev.podshim.os.UnixSeqpacket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * A command run in a container by conmon's exec mode ({@code --exec --exec-attach}), as podman
 * runs its exec sessions. conmon holds the process's stdio (a terminal when asked), serves it on
 * an attach socket in the session directory, resizes through the session's control fifo, and
 * reports on pipes:
 *
 * <ul>
 *   <li>{@code _OCI_STARTPIPE} (fd 4): conmon reads it once before it forks, and its runtime
 *       child reads it again before it execs {@code runtime exec}, so that a client can connect
 *       before the process writes anything;
 *   <li>{@code _OCI_ATTACHPIPE} (fd 5): {@code {"data": 0}} once the attach socket listens;
 *   <li>{@code _OCI_SYNCPIPE} (fd 3): {@code {"data": <pid>}} once the runtime started the
 *       process (a negative number and a {@code message} when it failed), then {@code {"data":
 *       <exit code>}} when the process has ended and its output was sent.
 * </ul>
 *
 * <p>conmon forks away from the process we spawn; our subreaper status makes the monitor our
 * child, and {@link #close} reaps exactly it through its pidfd.
 */
public final class ConmonExec implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PARENT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** conmon exits right after it reported the exit code, or after SIGKILL. */
  private static final Duration MONITOR_EXIT_WAIT = Duration.ofSeconds(5);

  private final ConmonExecSpec spec;
  private final SyncPipe sync;
  private final SyncPipe start;
  private final Pidfd monitor;
  private final UnixSeqpacket socket;
  private final StringBuilder pending = new StringBuilder();
  private final CountDownLatch begun = new CountDownLatch(1);
  private volatile long processPid;
  private volatile @Nullable Pidfd process;
  private boolean closed;

  private ConmonExec(ConmonExecSpec spec, SyncPipe sync, SyncPipe start, Pidfd monitor, UnixSeqpacket socket) {
    this.spec = spec;
    this.sync = sync;
    this.start = start;
    this.monitor = monitor;
    this.socket = socket;
  }

  /**
   * Starts conmon and connects to its attach socket; the process itself waits for {@link #begin}.
   * A failure throws {@link OciException} and leaves no conmon behind.
   */
  static ConmonExec launch(Path binary, String logLevel, ConmonExecSpec spec) {
    SyncPipe sync = SyncPipe.open();
    SyncPipe start = SyncPipe.open();
    SyncPipe attach = SyncPipe.open();
    @Nullable Pidfd monitor = null;
    try {
      // conmon's first read, before it forks: podman moves it into a cgroup there; we have nothing to do
      start.write("0");
      Spawn.Result parent;
      try {
        // in the session's directory: on an OOM kill conmon also writes "oom" to its working directory
        parent = Spawn.run(new SpawnSpec(argv(binary, logLevel, spec), env(),
            List.of(sync.writeFd(), start.readFd(), attach.writeFd()), PARENT_TIMEOUT).in(spec.dir()));
      } catch (OsException e) {
        throw new OciException("conmon: " + e.getMessage(), false);
      }
      sync.closeWrite();
      start.closeRead();
      attach.closeWrite();
      if (parent.exitStatus() != 0) {
        throw new OciException("conmon exited " + parent.exitStatus() + ": "
            + OciException.lastLine(parent.stderr() + "\n" + parent.stdout()), false);
      }
      monitor = Pidfd.open(readPid(spec.conmonPidFile()));
      String ready;
      try {
        ready = attach.read(READY_TIMEOUT, text -> text.contains("\n"));
      } catch (OsException e) {
        throw new OciException("conmon: attach socket not ready: " + e.getMessage(), false);
      }
      if (data(ready) != 0) {
        throw new OciException("conmon: attach socket not ready (reply \"" + ready.strip() + "\")", false);
      }
      UnixSeqpacket socket;
      try {
        socket = UnixSeqpacket.connect(spec.attachSocket());
      } catch (OsException e) {
        throw new OciException("conmon: " + e.getMessage(), false);
      }
      return new ConmonExec(spec, sync, start, monitor, socket);
    } catch (RuntimeException | Error e) {
      sync.close();
      start.close();
      if (monitor != null) {
        killAndReap(monitor); // its runtime child has PDEATHSIG=SIGKILL and goes with it
      }
      throw e;
    } finally {
      attach.close();
    }
  }

  private static List<String> argv(Path binary, String logLevel, ConmonExecSpec spec) {
    List<String> argv = new ArrayList<>(List.of(
        binary.toString(),
        "--api-version", "1",
        "--cid", spec.containerId(),
        "--cuuid", spec.execId(),
        "--runtime", spec.runtime().binary().toString(),
        "--bundle", spec.dir().toString(),
        "--container-pidfile", spec.processPidFile().toString(),
        "--conmon-pidfile", spec.conmonPidFile().toString(),
        "--exec", "--exec-attach",
        "--exec-process-spec", spec.processSpec().toString(),
        // the socket in the session directory itself, reached by /proc/self/fd from either side,
        // so no symlink under the socket directory to clean up
        "--full-attach",
        // kubelet does not expect exec output in the container's log
        "--log-path", "none:",
        "--log-level", logLevel));
    Conmon.addRuntime(argv, spec.runtime(), spec.tty());
    if (spec.stdin()) {
      // without --leave-stdin-open: the client's half-close of the socket closes the process's stdin
      argv.add("--stdin");
    }
    return argv;
  }

  private static List<String> env() {
    return List.of("_OCI_SYNCPIPE=3", "_OCI_STARTPIPE=4", "_OCI_ATTACHPIPE=5",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }

  /** The session's attach socket: output arrives framed by stream, what is sent goes to stdin. */
  public UnixSeqpacket socket() {
    return socket;
  }

  /**
   * Lets the runtime start the process and returns its pid (in our pid namespace). The runtime's
   * refusal (no such executable, the container gone) is an {@link OciException} with its message.
   */
  public long begin() {
    try {
      start.write("1");
      start.close();
      String line = nextLine(START_TIMEOUT);
      if (line == null) {
        throw new OciException("conmon exited before " + spec.runtime().handler() + " exec started the process",
            false);
      }
      JsonNode reply = parse(line);
      long pid = reply == null ? -1 : reply.path("data").asLong(-1);
      if (pid <= 0) {
        String message = reply == null ? line : reply.path("message").asText(line);
        throw new OciException(spec.runtime().handler() + " exec: " + OciException.lastLine(message), false);
      }
      processPid = pid;
      try {
        process = Pidfd.open(pid);
      } catch (OsException e) {
        // already exited and reaped by conmon: nothing left to kill
      }
      return pid;
    } catch (OsException e) {
      throw new OciException("conmon: " + e.getMessage(), false);
    } finally {
      begun.countDown();
    }
  }

  /**
   * The process's exit code (128 + signal when a signal ended it), which conmon reports once the
   * output has gone out on the socket: call it after the socket's end of stream.
   */
  public int awaitExit(Duration timeout) throws IOException, InterruptedException {
    // begin is bounded by its own timeout; until it is done the sync pipe is its to read
    begun.await();
    if (processPid <= 0) {
      throw new IOException("exec in container " + spec.containerId() + ": the process never started");
    }
    String line;
    try {
      line = nextLine(timeout);
    } catch (OsException e) {
      throw new IOException("exec in container " + spec.containerId() + ": no exit code from conmon: "
          + e.getMessage(), e);
    }
    JsonNode reply = line == null ? null : parse(line);
    if (reply == null || !reply.path("data").isInt() || reply.path("data").asInt() < 0) {
      throw new IOException("exec in container " + spec.containerId() + ": conmon exited without an exit code"
          + (line == null ? "" : " (reply \"" + line.strip() + "\")"));
    }
    return reply.path("data").asInt();
  }

  /**
   * Kills the process and what it started: {@code runc exec} makes the process a session leader
   * (setsid), and {@link ProcessFamily} takes its session and descendants along. Once the process
   * has exited only its process group is signalled, which no other process can have taken over
   * while a member is left. Before {@link #begin} there is no process yet and the monitor goes
   * instead.
   */
  public void kill() {
    long pid = processPid;
    if (pid <= 0) {
      monitor.signal(Signals.SIGKILL);
      return;
    }
    Pidfd p = process;
    if (p != null && p.isAlive()) {
      // alive, so the pid still names it: its own namespace is the one to stay in
      ProcessFamily.kill(pid, pid);
    }
    ProcessGroup.signal(pid, Signals.SIGKILL);
    if (p != null) {
      p.signal(Signals.SIGKILL);
    }
  }

  /** For a monitor that does not finish after {@link #kill}: SIGKILL to conmon itself. */
  public void killMonitor() {
    monitor.signal(Signals.SIGKILL);
  }

  /**
   * Closes the socket and pipes, waits briefly for conmon to exit (killing it if it does not) and
   * reaps it. The session directory is the caller's. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    socket.close();
    start.close();
    sync.close();
    if (!awaitGone(monitor, MONITOR_EXIT_WAIT)) {
      kill();
    }
    killAndReap(monitor);
    Pidfd p = process;
    if (p != null) {
      p.close();
    }
  }

  /** Whether conmon has exited (it may still await reaping). */
  public boolean monitorExited() {
    return !monitor.isAlive();
  }

  private @Nullable String nextLine(Duration timeout) {
    synchronized (pending) {
      return nextLineLocked(timeout);
    }
  }

  private @Nullable String nextLineLocked(Duration timeout) {
    while (true) {
      int newline = pending.indexOf("\n");
      if (newline >= 0) {
        String line = pending.substring(0, newline + 1);
        pending.delete(0, newline + 1);
        return line;
      }
      String more = sync.read(timeout, text -> text.contains("\n"));
      if (more.isEmpty()) {
        if (pending.isEmpty()) {
          return null;
        }
        String last = pending.toString();
        pending.setLength(0);
        return last;
      }
      pending.append(more);
    }
  }

  private static long data(String reply) {
    JsonNode node = parse(reply);
    return node == null ? -1 : node.path("data").asLong(-1);
  }

  private static @Nullable JsonNode parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static long readPid(Path file) {
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      throw new OciException("conmon: read pid file " + file + ": " + e.getMessage(), false);
    }
  }

  private static boolean awaitGone(Pidfd pidfd, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (pidfd.isAlive()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private static void killAndReap(Pidfd pidfd) {
    if (!awaitGone(pidfd, Duration.ZERO)) {
      pidfd.signal(Signals.SIGKILL);
      awaitGone(pidfd, MONITOR_EXIT_WAIT);
    }
    pidfd.tryReapQuietly();
    pidfd.close();
  }
}
