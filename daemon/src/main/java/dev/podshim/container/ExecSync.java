package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.errors.CriException;
import dev.podshim.oci.OciException;
import dev.podshim.oci.OciRuntime;
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
import org.jspecify.annotations.Nullable;

/**
 * ExecSync: a command run to completion in a running container, as the container's own process
 * runs (namespaces, cgroup, user, capabilities, seccomp: {@code runtime exec} with the spec's
 * process and other args). At the timeout the command and everything it started are killed
 * ({@link ExecDeadline}), and the call fails with DEADLINE_EXCEEDED.
 */
public final class ExecSync {
  /** kubelet caps each stream of an ExecSync at 16 MiB. */
  static final int MAX_OUTPUT = 16 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** When no timeout is given, a runtime that hangs is still given up on eventually. */
  private static final Duration NO_TIMEOUT_LIMIT = Duration.ofHours(24);
  /**
   * After the deadline the exec's processes are killed at once; this bounds the wait for the
   * runtime to report it, also when a process that left the exec's session still holds the output.
   */
  private static final Duration AFTER_DEADLINE = Duration.ofSeconds(2);

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
    try {
      Files.createDirectories(dir);
      Files.write(processJson, JSON.writeValueAsBytes(process(container, cmd)));
      if (timeout.isZero()) {
        return result(runtime.exec(container.id(), processJson, pidFile, NO_TIMEOUT_LIMIT, MAX_OUTPUT));
      }
      try (ExecDeadline deadline = ExecDeadline.arm(timer, timeout, pidFile, container.status().pid())) {
        Spawn.Result result;
        try {
          result = runtime.exec(container.id(), processJson, pidFile, timeout.plus(AFTER_DEADLINE), MAX_OUTPUT);
        } catch (OsException e) {
          if (e.errno() == OsException.ETIMEDOUT) {
            throw deadlineExceeded(container, cmd, timeout);
          }
          throw e;
        }
        if (deadline.expired()) {
          throw deadlineExceeded(container, cmd, timeout);
        }
        return result(result);
      }
    } catch (OsException e) {
      throw CriException.internal("exec in container " + container.id() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw CriException.internal("exec in container " + container.id() + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(processJson);
      deleteQuietly(pidFile);
    }
  }

  private static Result result(Spawn.Result result) {
    return new Result(result.exitStatus(), result.stdout().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        result.stderr().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static CriException deadlineExceeded(Container container, List<String> cmd, Duration timeout) {
    return new CriException(CriException.Kind.DEADLINE_EXCEEDED, "exec in container " + container.id()
        + ": command " + cmd.getFirst() + " did not finish within " + timeout.toSeconds()
        + "s; it and what it started were killed");
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

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // the container directory goes at RemoveContainer anyway
    }
  }

  /** A refusal of the runtime's, mapped by what its message blames (the request, the container's state, itself). */
  static CriException failed(Container container, OciException e) {
    return RuntimeFailures.of("exec in container " + container.id(), e);
  }
}
