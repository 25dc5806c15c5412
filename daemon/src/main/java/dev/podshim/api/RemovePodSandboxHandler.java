package dev.podshim.api;

import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RemovePodSandboxResponse;
import dev.podshim.container.PodLifecycle;

/** RemovePodSandbox: idempotent; forcibly stops a running sandbox first. */
final class RemovePodSandboxHandler implements UnaryHandler<RemovePodSandboxRequest, RemovePodSandboxResponse> {
  private final PodLifecycle pods;

  RemovePodSandboxHandler(PodLifecycle pods) {
    this.pods = pods;
  }

  @Override
  public RemovePodSandboxResponse handle(RemovePodSandboxRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    pods.remove(request.getPodSandboxId());
    return RemovePodSandboxResponse.getDefaultInstance();
  }
}
