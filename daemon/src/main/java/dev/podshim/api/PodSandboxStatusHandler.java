package dev.podshim.api;

import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.PodSandboxStatusResponse;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Sandbox;

/** PodSandboxStatus; verbose adds pid, namespace paths and the config, as crictl inspectp shows. */
final class PodSandboxStatusHandler implements UnaryHandler<PodSandboxStatusRequest, PodSandboxStatusResponse> {
  private final SandboxService sandboxes;
  private final ReadViews views;

  PodSandboxStatusHandler(SandboxService sandboxes, ReadViews views) {
    this.sandboxes = sandboxes;
    this.views = views;
  }

  @Override
  public PodSandboxStatusResponse handle(PodSandboxStatusRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    Sandbox sandbox = sandboxes.get(request.getPodSandboxId());
    PodSandboxStatusResponse.Builder response = PodSandboxStatusResponse.newBuilder()
        .setStatus(views.status(sandbox))
        .setTimestamp(System.currentTimeMillis() * 1_000_000L);
    if (request.getVerbose()) {
      response.putInfo("info", views.verboseInfo(sandbox));
    }
    return response.build();
  }
}
