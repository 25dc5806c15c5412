package dev.podshim.store;

import static java.util.Objects.requireNonNull;

/**
 * The immutable facts of a sandbox, written once to {@code meta.json} before anything is
 * acquired for it, so that recovery can always find and undo a half-made sandbox.
 *
 * @param id 64 hex characters
 * @param name the reserved name {@code k8s_POD_<name>_<namespace>_<uid>_<attempt>}
 * @param createdAtNanos wall-clock creation time in nanoseconds since the epoch
 * @param cgroupPath the pause cgroup relative to each hierarchy's root, empty when not placed
 */
public record SandboxMetadata(String id, String name, SandboxConfig config, long createdAtNanos, String cgroupPath) {
  public SandboxMetadata {
    requireNonNull(id, "id");
    requireNonNull(name, "name");
    requireNonNull(config, "config");
    requireNonNull(cgroupPath, "cgroupPath");
  }
}
