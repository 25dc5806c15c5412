package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.errors.CriException;
import dev.podshim.oci.OciException;
import dev.podshim.oci.OciRuntime;
import dev.podshim.oci.Signals;
import dev.podshim.os.OsException;
import dev.podshim.os.Spawn;
import dev.podshim.store.Container;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * ExecSync: a command run to completion in a running container, as the container's own process
 * runs (namespaces, cgroup, user, capabilities, seccomp: {@code runtime exec} with the spec's
 * process and other args). At the timeout the command itself is killed, so the runtime reaps it
 * and nothing lingers as a zombie; then the call fails with DEADLINE_EXCEEDED.
 */
public final class ExecSync {
  /** kubelet caps each stream of an ExecSync at 16 MiB. */
  static final int MAX_OUTPUT = 16 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** When no timeout is given, a runtime that hangs is still given up on eventually. */
  private static final Duration NO_TIMEOUT_LIMIT = Duration.ofHours(24);
  private static final Duration AFTER_KILL = Duration.ofSeconds(10);

  private final ScheduledExecutorService timer;

  ExecSync(ScheduledExecutorService timer) {
    this.timer = requireNonNull(timer, "timer");
  }

  /** The command's exit code and its output. */
  public record Result(int exitCode, byte[] stdout, byte[] stderr) {}

  Result run(Container container, OciRuntime runtime, List<String> cmd, Duration timeout) {
    validate(cmd);
    String execId = UUID.randomUUID().toString();
    Path dir = container.dir().resolve("exec");
    Path processJson = dir.resolve(execId + ".json");
    Path pidFile = dir.resolve(execId + ".pid");
    AtomicBoolean timedOut = new AtomicBoolean();
    try {
      Files.createDirectories(dir);
      Files.write(processJson, JSON.writeValueAsBytes(process(container, cmd)));
      ScheduledFuture<?> killer = timeout.isZero() ? null
          : timer.schedule(() -> killExec(pidFile, timedOut), timeout.toMillis(), TimeUnit.MILLISECONDS);
      Spawn.Result result;
      try {
        Duration limit = timeout.isZero() ? NO_TIMEOUT_LIMIT : timeout.plus(AFTER_KILL);
        result = runtime.exec(container.id(), processJson, pidFile, limit, MAX_OUTPUT);
      } finally {
        if (killer != null) {
          killer.cancel(false);
        }
      }
      if (timedOut.get()) {
        throw new CriException(CriException.Kind.DEADLINE_EXCEEDED, "exec in container " + container.id()
            + ": command " + cmd.getFirst() + " did not finish within " + timeout.toSeconds() + "s and was killed");
      }
      return new Result(result.exitStatus(), result.stdout().getBytes(java.nio.charset.StandardCharsets.UTF_8),
          result.stderr().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (OsException e) {
      throw CriException.internal("exec in container " + container.id() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw CriException.internal("exec in container " + container.id() + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(processJson);
      deleteQuietly(pidFile);
    }
  }

  /** An exec's command: INVALID_ARGUMENT when empty or when an argument holds a NUL byte. */
  public static void validate(List<String> cmd) {
    if (cmd.isEmpty()) {
      throw CriException.invalidArgument("cmd: is required");
    }
    for (int i = 0; i < cmd.size(); i++) {
      if (cmd.get(i).indexOf('\0') >= 0) {
        throw CriException.invalidArgument("cmd[" + i + "]: contains a NUL byte");
      }
    }
  }

  /** The container's own process spec with the command swapped in and no terminal. */
  private static ObjectNode process(Container container, List<String> cmd) throws IOException {
    return process(container, cmd, false, null);
  }

  /**
   * The container's own process spec (user, capabilities, seccomp, no_new_privileges, env, cwd)
   * with the command swapped in; on a terminal of the client's size when it sent one before the
   * start, else 80x24 until its first resize, so that a program asking at once does not see 0x0.
   */
  static ObjectNode process(Container container, List<String> cmd, boolean tty,
      StreamOptions.@Nullable TerminalSize size) throws IOException {
    ObjectNode spec = (ObjectNode) JSON.readTree(container.bundle().resolve("config.json").toFile());
    ObjectNode process = ((ObjectNode) spec.path("process")).deepCopy();
    process.putPOJO("args", cmd);
    process.put("terminal", tty);
    process.remove("consoleSize");
    if (tty) {
      process.putObject("consoleSize").put("height", size == null ? 24 : size.height())
          .put("width", size == null ? 80 : size.width());
    }
    return process;
  }

  private static void killExec(Path pidFile, AtomicBoolean timedOut) {
    timedOut.set(true);
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      try (var pidfd = dev.podshim.os.Pidfd.open(pid)) {
        pidfd.signal(Signals.SIGKILL);
      }
    } catch (IOException | NumberFormatException | OsException | IllegalStateException e) {
      // not started yet or already gone: runtime exec's own limit still applies
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // the container directory goes at RemoveContainer anyway
    }
  }

  static CriException failed(Container container, OciException e) {
    return new CriException(CriException.Kind.INTERNAL, "exec in container " + container.id() + ": " + e.getMessage(), e);
  }
}
