package dev.podshim.api;

import dev.podshim.cri.v1.RunPodSandboxRequest;
import dev.podshim.cri.v1.RunPodSandboxResponse;
import dev.podshim.errors.CriException;
import dev.podshim.sandbox.SandboxService;

/** RunPodSandbox: validate, map, run; a retried identical request gets the same sandbox id. */
final class RunPodSandboxHandler implements UnaryHandler<RunPodSandboxRequest, RunPodSandboxResponse> {
  private final SandboxService sandboxes;
  private final ReadViews views;

  RunPodSandboxHandler(SandboxService sandboxes, ReadViews views) {
    this.sandboxes = sandboxes;
    this.views = views;
  }

  @Override
  public RunPodSandboxResponse handle(RunPodSandboxRequest request) {
    if (!request.hasConfig()) {
      throw CriException.invalidArgument("config: is required");
    }
    String id = sandboxes.run(SandboxConfigMapper.fromProto(request.getConfig(), request.getRuntimeHandler()));
    views.prepareSandbox(id);
    return RunPodSandboxResponse.newBuilder().setPodSandboxId(id).build();
  }
}
