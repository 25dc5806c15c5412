package dev.podshim.api;

import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxResponse;
import dev.podshim.sandbox.SandboxService;

/** StopPodSandbox: idempotent; an unknown id has nothing left to stop. */
final class StopPodSandboxHandler implements UnaryHandler<StopPodSandboxRequest, StopPodSandboxResponse> {
  private final SandboxService sandboxes;

  StopPodSandboxHandler(SandboxService sandboxes) {
    this.sandboxes = sandboxes;
  }

  @Override
  public StopPodSandboxResponse handle(StopPodSandboxRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    sandboxes.stop(request.getPodSandboxId());
    return StopPodSandboxResponse.getDefaultInstance();
  }
}
