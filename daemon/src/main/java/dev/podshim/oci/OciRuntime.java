package dev.podshim.oci;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.os.OsException;
import dev.podshim.os.Spawn;
import dev.podshim.os.SpawnSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One OCI runtime handler (runc, crun: both speak runc's command line), with a state directory of
 * podshim's own ({@code --root}), so that nothing another manager runs is ever seen or touched.
 * Every call runs the binary to completion; failures carry the runtime's own stderr line.
 */
public final class OciRuntime {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final String handler;
  private final Path binary;
  private final Path root;
  private final boolean systemdCgroup;

  /**
   * @param handler the CRI runtime handler name ("runc", "crun")
   * @param root the runtime's state directory, under podshim's state root
   */
  public OciRuntime(String handler, Path binary, Path root, boolean systemdCgroup) {
    this.handler = requireNonNull(handler, "handler");
    this.binary = requireNonNull(binary, "binary");
    this.root = requireNonNull(root, "root");
    this.systemdCgroup = systemdCgroup;
  }

  public String handler() {
    return handler;
  }

  public Path binary() {
    return binary;
  }

  /** The global flags every call passes; conmon gets them as {@code --runtime-arg}s. */
  public List<String> globalArgs() {
    List<String> args = new ArrayList<>(List.of("--root=" + root));
    if (systemdCgroup) {
      args.add("--systemd-cgroup");
    }
    return args;
  }

  /** {@code start}: runs a created container's process. */
  public void start(String id) {
    run("start", List.of("start", id));
  }

  /** {@code kill}: sends a signal to the container's init; {@code all} to every process of it. */
  public void kill(String id, int signal, boolean all) {
    List<String> args = new ArrayList<>(List.of("kill"));
    if (all) {
      args.add("--all");
    }
    args.add(id);
    args.add(Integer.toString(signal));
    run("kill", args);
  }

  /** {@code delete --force}: forgets the container (killing what is left); a missing one is fine. */
  public void delete(String id) {
    try {
      run("delete", List.of("delete", "--force", id));
    } catch (OciException e) {
      if (!e.notFound()) {
        throw e;
      }
    }
  }

  /** {@code state}: the runtime's status ("created", "running", "stopped") and pid; empty when unknown. */
  public Optional<State> state(String id) {
    try {
      JsonNode node = JSON.readTree(run("state", List.of("state", id)).stdout());
      return Optional.of(new State(node.path("status").asText(""), node.path("pid").asLong(0)));
    } catch (OciException e) {
      if (e.notFound()) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      throw new OciException(handler + " state " + id + ": unreadable answer: " + e.getMessage(), false);
    }
  }

  /** {@code update --resources FILE}: applies an OCI LinuxResources JSON to the live container. */
  public void update(String id, Path resourcesJson) {
    run("update", List.of("update", "--resources", resourcesJson.toString(), id));
  }

  /**
   * {@code exec --process FILE --pid-file FILE}: runs a process in the container and waits for it.
   * The caller enforces its own timeout by killing the pid in the pid file; {@code limit} is only a
   * last resort against a runtime that hangs.
   */
  public Spawn.Result exec(String id, Path processJson, Path pidFile, Duration limit, int maxOutputBytes) {
    List<String> argv = command(List.of("exec", "--process", processJson.toString(), "--pid-file",
        pidFile.toString(), id));
    return Spawn.run(new SpawnSpec(argv, List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        List.of(), limit, maxOutputBytes));
  }

  /** What {@code state} reports. */
  public record State(String status, long pid) {}

  private List<String> command(List<String> args) {
    List<String> argv = new ArrayList<>();
    argv.add(binary.toString());
    argv.addAll(globalArgs());
    argv.addAll(args);
    return argv;
  }

  private Spawn.Result run(String what, List<String> args) {
    Spawn.Result result;
    try {
      result = Spawn.run(new SpawnSpec(command(args), List.of(), List.of(), CALL_TIMEOUT, Spawn.MAX_OUTPUT));
    } catch (OsException e) {
      throw new OciException(handler + " " + what + ": " + e.getMessage(), false);
    }
    if (result.exitStatus() != 0) {
      String line = OciException.lastLine(result.stderr());
      throw new OciException(handler + " " + what + ": " + line, OciException.saysNotFound(line));
    }
    return result;
  }
}
