package dev.podshim.api;

import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxResponse;
import dev.podshim.container.PodLifecycle;

/** StopPodSandbox: idempotent; an unknown id has nothing left to stop. */
final class StopPodSandboxHandler implements UnaryHandler<StopPodSandboxRequest, StopPodSandboxResponse> {
  private final PodLifecycle pods;
  private final ReadViews views;

  StopPodSandboxHandler(PodLifecycle pods, ReadViews views) {
    this.pods = pods;
    this.views = views;
  }

  @Override
  public StopPodSandboxResponse handle(StopPodSandboxRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    pods.stop(request.getPodSandboxId());
    views.prepareSandbox(request.getPodSandboxId());
    return StopPodSandboxResponse.getDefaultInstance();
  }
}
