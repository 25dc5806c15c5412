package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Sandbox;

/**
 * The pod-level coordination of StopPodSandbox and RemovePodSandbox: the pod's containers go
 * first, then the sandbox. It lives here, above both services, so that {@code sandbox} never
 * calls {@code container} (which reads sandboxes) and back.
 */
public final class PodLifecycle {
  private final SandboxService sandboxes;
  private final ContainerService containers;

  public PodLifecycle(SandboxService sandboxes, ContainerService containers) {
    this.sandboxes = requireNonNull(sandboxes, "sandboxes");
    this.containers = requireNonNull(containers, "containers");
  }

  /** Kills the pod's containers (kubelet has already stopped them gracefully), then stops the sandbox. */
  public void stop(String sandboxIdOrPrefix) {
    Sandbox sandbox = sandboxes.find(sandboxIdOrPrefix);
    if (sandbox == null) {
      return;
    }
    containers.stopAllIn(sandbox.id());
    sandboxes.stop(sandbox.id());
  }

  /** Removes the pod's containers, then the sandbox. */
  public void remove(String sandboxIdOrPrefix) {
    Sandbox sandbox = sandboxes.find(sandboxIdOrPrefix);
    if (sandbox == null) {
      return;
    }
    containers.removeAllIn(sandbox.id());
    sandboxes.remove(sandbox.id());
  }
}
