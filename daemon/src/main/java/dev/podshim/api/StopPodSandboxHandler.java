package dev.podshim.api;

import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxResponse;
import dev.podshim.container.PodLifecycle;

/** StopPodSandbox: idempotent; an unknown id has nothing left to stop. */
final class StopPodSandboxHandler implements UnaryHandler<StopPodSandboxRequest, StopPodSandboxResponse> {
  private final PodLifecycle pods;

  StopPodSandboxHandler(PodLifecycle pods) {
    this.pods = pods;
  }

  @Override
  public StopPodSandboxResponse handle(StopPodSandboxRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    pods.stop(request.getPodSandboxId());
    return StopPodSandboxResponse.getDefaultInstance();
  }
}
