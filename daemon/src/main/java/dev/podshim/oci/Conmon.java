package dev.podshim.oci;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.os.OsException;
import dev.podshim.os.Pidfd;
import dev.podshim.os.ProcessFamily;
import dev.podshim.os.Spawn;
import dev.podshim.os.SpawnSpec;
import dev.podshim.os.SyncPipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts CRI-O's container monitor for one container. conmon forks a monitor that outlives the
 * call (our subreaper status makes it our child once its parent exits), which runs the runtime's
 * {@code create}, holds the container's stdio, writes the CRI log, and writes the exit code to
 * the exit file when the container ends. It reports the container's pid, or the runtime's error,
 * on the sync pipe it inherits as fd 3.
 */
public final class Conmon {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PARENT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(120);

  private final Path binary;
  private final String logLevel;
  private final Duration createTimeout;

  public Conmon(Path binary, String logLevel) {
    this(binary, logLevel, CREATE_TIMEOUT);
  }

  Conmon(Path binary, String logLevel, Duration createTimeout) {
    this.binary = requireNonNull(binary, "binary");
    this.logLevel = requireNonNull(logLevel, "logLevel");
    this.createTimeout = requireNonNull(createTimeout, "createTimeout");
  }

  /** What a successful create reports. */
  public record Created(long conmonPid, long containerPid) {}

  /**
   * Launches conmon and returns once the runtime has created the container (its process waits
   * for {@code start}). A failure throws {@link OciException} with the runtime's message; conmon
   * then exits by itself.
   */
  public Created create(ConmonSpec spec) {
    try (SyncPipe sync = SyncPipe.open()) {
      Spawn.Result parent;
      try {
        // in the container's directory: on an OOM kill conmon also writes "oom" to its working directory
        parent = Spawn.run(new SpawnSpec(argv(spec), env(), List.of(sync.writeFd()), PARENT_TIMEOUT).in(spec.dir()));
      } catch (OsException e) {
        throw new OciException("conmon: " + e.getMessage(), false);
      }
      sync.closeWrite();
      if (parent.exitStatus() != 0) {
        throw new OciException("conmon exited " + parent.exitStatus() + ": "
            + OciException.lastLine(parent.stderr() + "\n" + parent.stdout()), false);
      }
      String reply;
      try {
        reply = sync.read(createTimeout, Conmon::isCompleteJson);
      } catch (OsException e) {
        int killed = abandon(spec);
        throw new OciException("conmon: no answer from " + spec.runtime().handler() + " create within "
            + createTimeout.toSeconds() + "s (" + e.getMessage() + "); conmon and the " + killed
            + " processes under it were killed", false);
      }
      long pid = containerPid(reply, spec);
      return new Created(readPid(spec.conmonPidFile()), pid);
    }
  }

  /**
   * Starts {@code spec}'s command in a running container under conmon's exec mode; see {@link
   * ConmonExec}. The process waits for {@link ConmonExec#begin}.
   */
  public ConmonExec exec(ConmonExecSpec spec) {
    // conmon's runtime child logs to the process's stderr before it execs the runtime: at debug
    // level those lines would reach the client as the command's own output
    String level = logLevel.equals("debug") || logLevel.equals("trace") ? "info" : logLevel;
    return ConmonExec.launch(binary, level, spec);
  }

  private List<String> argv(ConmonSpec spec) {
    List<String> argv = new ArrayList<>(List.of(
        binary.toString(),
        "--api-version", "1",
        "--cid", spec.containerId(),
        "--cuuid", spec.containerId(),
        "--name", spec.name(),
        "--runtime", spec.runtime().binary().toString(),
        "--bundle", spec.bundle().toString(),
        "--container-pidfile", spec.containerPidFile().toString(),
        "--conmon-pidfile", spec.conmonPidFile().toString(),
        "--persist-dir", spec.dir().toString(),
        "--exit-dir", spec.dir().resolve("exits").toString(),
        "--socket-dir-path", spec.socketDir().toString(),
        "--log-level", logLevel));
    argv.add("--log-path");
    argv.add(spec.logPath() == null ? "none:" : "k8s-file:" + spec.logPath());
    addRuntime(argv, spec.runtime(), spec.tty());
    if (spec.stdin()) {
      argv.add("--stdin");
      if (!spec.stdinOnce()) {
        argv.add("--leave-stdin-open");
      }
    }
    return argv;
  }

  /** What conmon's create and exec modes share: the runtime's global args, and the terminal when asked for. */
  static void addRuntime(List<String> argv, OciRuntime runtime, boolean tty) {
    for (String arg : runtime.globalArgs()) {
      argv.add("--runtime-arg");
      argv.add(arg);
    }
    if (tty) {
      argv.add("--terminal");
    }
  }

  private static List<String> env() {
    return List.of("_OCI_SYNCPIPE=3", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }

  private static boolean isCompleteJson(String text) {
    try {
      return JSON.readTree(text) != null;
    } catch (IOException e) {
      return false;
    }
  }

  private static long containerPid(String reply, ConmonSpec spec) {
    JsonNode node;
    try {
      node = JSON.readTree(reply);
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.has("data")) {
      throw new OciException("conmon: " + spec.runtime().handler() + " create gave no pid (reply \""
          + reply.strip() + "\")", false);
    }
    long pid = node.path("data").asLong(-1);
    if (pid <= 0) {
      String message = node.path("message").asText("");
      throw new OciException(spec.runtime().handler() + " create: " + OciException.lastLine(message), false);
    }
    return pid;
  }

  /**
   * A create that never answers leaves nothing behind: conmon, the runtime's create and the
   * container's half-made init are killed (deepest first) and conmon, our child by the subreaper,
   * is reaped. One way to get here is runc#5087: a seccomp profile whose default action is
   * SCMP_ACT_KILL (= KILL_THREAD) kills only the thread of {@code runc init} that made the syscall;
   * its other Go threads keep the process alive with the sync socket open, and runc waits for good.
   */
  private static int abandon(ConmonSpec spec) {
    long conmonPid;
    try {
      conmonPid = readPid(spec.conmonPidFile());
    } catch (OciException e) {
      return 0; // conmon never wrote its pid: its parent already exited, and nothing of ours runs
    }
    try (Pidfd conmon = Pidfd.open(conmonPid)) {
      int killed = ProcessFamily.kill(conmonPid, ProcessHandle.current().pid());
      for (int i = 0; i < 100 && conmon.tryReapQuietly().isEmpty() && conmon.isAlive(); i++) {
        Thread.sleep(10); // SIGKILL is delivered at once, the exit takes a moment
      }
      conmon.tryReapQuietly();
      return killed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (OsException e) {
      return 0; // conmon is gone already
    }
  }

  private static long readPid(Path file) {
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      throw new OciException("conmon: read pid file " + file + ": " + e.getMessage(), false);
    }
  }
}
