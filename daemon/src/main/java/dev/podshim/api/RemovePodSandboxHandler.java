package dev.podshim.api;

import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RemovePodSandboxResponse;
import dev.podshim.sandbox.SandboxService;

/** RemovePodSandbox: idempotent; forcibly stops a running sandbox first. */
final class RemovePodSandboxHandler implements UnaryHandler<RemovePodSandboxRequest, RemovePodSandboxResponse> {
  private final SandboxService sandboxes;

  RemovePodSandboxHandler(SandboxService sandboxes) {
    this.sandboxes = sandboxes;
  }

  @Override
  public RemovePodSandboxResponse handle(RemovePodSandboxRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    sandboxes.remove(request.getPodSandboxId());
    return RemovePodSandboxResponse.getDefaultInstance();
  }
}
