package dev.podshim.oci;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * One streamed exec through conmon's exec mode.
 *
 * @param execId names the session to conmon (its {@code --cuuid}); unique per exec
 * @param dir the session's own directory, conmon's "bundle" for the session: the attach socket,
 *     the control fifo and the pid files land here
 * @param processSpec the OCI process JSON {@code runtime exec --process} runs
 * @param stdin whether conmon gives the process a stdin pipe (else it reads /dev/null)
 */
public record ConmonExecSpec(
    String containerId,
    String execId,
    OciRuntime runtime,
    Path dir,
    Path processSpec,
    boolean tty,
    boolean stdin) {
  public ConmonExecSpec {
    requireNonNull(containerId, "containerId");
    requireNonNull(execId, "execId");
    requireNonNull(runtime, "runtime");
    requireNonNull(dir, "dir");
    requireNonNull(processSpec, "processSpec");
  }

  public Path attachSocket() {
    return dir.resolve("attach");
  }

  /** conmon's control fifo: {@code "1 <rows> <cols>\n"} resizes the terminal. */
  public Path controlFifo() {
    return dir.resolve("ctl");
  }

  Path conmonPidFile() {
    return dir.resolve("conmon.pid");
  }

  Path processPidFile() {
    return dir.resolve("exec.pid");
  }
}
