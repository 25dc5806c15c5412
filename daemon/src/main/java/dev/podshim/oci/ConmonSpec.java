package dev.podshim.oci;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * One container's conmon: where its bundle and files are, and how its stdio is set up.
 *
 * @param dir the container's directory: conmon's pidfile, the exit and oom files land here
 * @param socketDir where conmon links the attach socket (paths must stay short for AF_UNIX)
 * @param logPath the CRI log file; null for no log
 */
public record ConmonSpec(
    String containerId,
    String name,
    OciRuntime runtime,
    Path bundle,
    Path dir,
    Path socketDir,
    @Nullable Path logPath,
    boolean stdin,
    boolean stdinOnce,
    boolean tty) {
  public ConmonSpec {
    requireNonNull(containerId, "containerId");
    requireNonNull(name, "name");
    requireNonNull(runtime, "runtime");
    requireNonNull(bundle, "bundle");
    requireNonNull(dir, "dir");
    requireNonNull(socketDir, "socketDir");
  }

  /** conmon's own pid, written by its parent before that exits. */
  public Path conmonPidFile() {
    return dir.resolve("conmon.pid");
  }

  /** The container init's pid, written by the runtime at create. */
  public Path containerPidFile() {
    return dir.resolve("container.pid");
  }

  /** The exit code conmon writes when the container's process ends. */
  public Path exitFile() {
    return dir.resolve("exit");
  }

  /** Exists once conmon saw the container's cgroup report an OOM kill. */
  public Path oomFile() {
    return dir.resolve("oom");
  }
}
