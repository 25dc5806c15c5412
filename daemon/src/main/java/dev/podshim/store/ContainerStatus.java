package dev.podshim.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The changing facts of a container, in {@code status.json}. The CRI state is derived from these
 * (see {@link #state}), never stored separately.
 *
 * @param created true once CreateContainer finished; a container recovered with false is torn down
 * @param conmonPid host pid of the container's conmon, 0 before it was launched
 * @param conmonStartTime conmon's start time in clock ticks since boot, to detect pid reuse
 * @param pid host pid of the container's init process, 0 before create
 * @param startedAtNanos when StartContainer succeeded, 0 before
 * @param finishedAtNanos when the container's process was seen exited, 0 while it has not
 * @param exitCode the exit status (128+signal when killed)
 * @param reason Completed, Error, OOMKilled, or a reason podshim gives (e.g. ContainerCannotRun)
 * @param resources resources set by UpdateContainerResources; null while the config's apply
 * @param user the effective user, resolved against the container's rootfs at create; null before
 */
public record ContainerStatus(
    boolean created,
    long conmonPid,
    long conmonStartTime,
    long pid,
    long startedAtNanos,
    long finishedAtNanos,
    int exitCode,
    String reason,
    String message,
    ContainerConfig.@Nullable Resources resources,
    @Nullable User user) {

  /** The user the container's process runs as; supplemental groups include the primary one. */
  public record User(long uid, long gid, List<Long> supplementalGroups) {
    public User {
      supplementalGroups = List.copyOf(supplementalGroups);
    }
  }

  /** The CRI container states, same order as the protocol's enum. */
  public enum State {
    CREATED,
    RUNNING,
    EXITED,
    UNKNOWN
  }

  public static ContainerStatus initial() {
    return new ContainerStatus(false, 0, 0, 0, 0, 0, 0, "", "", null, null);
  }

  @JsonIgnore
  public State state() {
    if (finishedAtNanos != 0) {
      return State.EXITED;
    }
    if (startedAtNanos != 0) {
      return State.RUNNING;
    }
    return created ? State.CREATED : State.UNKNOWN;
  }

  public ContainerStatus asCreated(long newConmonPid, long newConmonStartTime, long newPid, User resolved) {
    return new ContainerStatus(true, newConmonPid, newConmonStartTime, newPid, startedAtNanos, finishedAtNanos,
        exitCode, reason, message, resources, resolved);
  }

  /** A process whose exit was recorded before StartContainer returned started no later than it ended. */
  public ContainerStatus withStarted(long atNanos) {
    long at = finishedAtNanos != 0 ? Math.min(atNanos, finishedAtNanos) : atNanos;
    return new ContainerStatus(created, conmonPid, conmonStartTime, pid, at, finishedAtNanos, exitCode, reason,
        message, resources, user);
  }

  /**
   * The first exit recorded wins: a later report of the same exit changes nothing. A process
   * that ended before StartContainer returned finishes no earlier than it started.
   */
  public ContainerStatus withExit(long atNanos, int code, String why, String text) {
    if (finishedAtNanos != 0) {
      return this;
    }
    return new ContainerStatus(created, conmonPid, conmonStartTime, pid, startedAtNanos,
        Math.max(atNanos, startedAtNanos), code, why, text, resources, user);
  }

  public ContainerStatus withResources(ContainerConfig.Resources updated) {
    return new ContainerStatus(created, conmonPid, conmonStartTime, pid, startedAtNanos, finishedAtNanos, exitCode,
        reason, message, updated, user);
  }
}
