package dev.podshim.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The changing facts of a sandbox, in {@code status.json}. The CRI state is derived from these,
 * never stored separately.
 *
 * @param created true once RunPodSandbox finished; a sandbox recovered with false is torn down
 * @param pid host pid of pause, 0 before it started
 * @param pidStartTime pause's start time in clock ticks since boot, to detect pid reuse
 * @param exitedAtNanos when pause was seen dead, 0 while it is alive
 * @param exitCode pause's exit status (128+signal when killed), meaningful once exited
 * @param stoppedAtNanos when StopPodSandbox completed, 0 before
 * @param createdCgroupDirs cgroup directories this sandbox created, removed on RemovePodSandbox
 * @param podResources the pod-level resources of the last UpdatePodSandboxResources, null before one
 */
public record SandboxStatus(
    boolean created,
    long pid,
    long pidStartTime,
    long exitedAtNanos,
    int exitCode,
    long stoppedAtNanos,
    List<String> createdCgroupDirs,
    @Nullable PodResources podResources) {

  public SandboxStatus {
    createdCgroupDirs = List.copyOf(createdCgroupDirs);
  }

  public static SandboxStatus initial() {
    return new SandboxStatus(false, 0, 0, 0, 0, 0, List.of(), null);
  }

  @JsonIgnore
  public boolean ready() {
    return created && exitedAtNanos == 0 && stoppedAtNanos == 0;
  }

  @JsonIgnore
  public boolean pauseAlive() {
    return pid != 0 && exitedAtNanos == 0;
  }

  public SandboxStatus withPause(long newPid, long startTime) {
    return new SandboxStatus(created, newPid, startTime, exitedAtNanos, exitCode, stoppedAtNanos,
        createdCgroupDirs, podResources);
  }

  public SandboxStatus withCgroupDirs(List<String> dirs) {
    return new SandboxStatus(created, pid, pidStartTime, exitedAtNanos, exitCode, stoppedAtNanos, dirs, podResources);
  }

  public SandboxStatus asCreated() {
    return new SandboxStatus(true, pid, pidStartTime, exitedAtNanos, exitCode, stoppedAtNanos,
        createdCgroupDirs, podResources);
  }

  public SandboxStatus withExit(long atNanos, int code) {
    if (exitedAtNanos != 0) {
      return this;
    }
    return new SandboxStatus(created, pid, pidStartTime, atNanos, code, stoppedAtNanos, createdCgroupDirs,
        podResources);
  }

  public SandboxStatus withPodResources(PodResources resources) {
    return new SandboxStatus(created, pid, pidStartTime, exitedAtNanos, exitCode, stoppedAtNanos, createdCgroupDirs,
        resources);
  }

  public SandboxStatus withStopped(long atNanos) {
    if (stoppedAtNanos != 0) {
      return this;
    }
    return new SandboxStatus(created, pid, pidStartTime, exitedAtNanos, exitCode, atNanos, createdCgroupDirs,
        podResources);
  }
}
