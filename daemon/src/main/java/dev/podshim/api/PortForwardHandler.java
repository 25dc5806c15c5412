package dev.podshim.api;

import dev.podshim.cri.v1.PortForwardRequest;
import dev.podshim.cri.v1.PortForwardResponse;
import dev.podshim.errors.CriException;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Sandbox;
import dev.podshim.streaming.StreamUrls;

/**
 * PortForward: checks the pod is ready and answers with the streaming server's URL (the server
 * checks the ports). The ports listed (if any) are the only ones the session may forward.
 */
final class PortForwardHandler implements UnaryHandler<PortForwardRequest, PortForwardResponse> {
  private final SandboxService sandboxes;
  private final StreamUrls urls;

  PortForwardHandler(SandboxService sandboxes, StreamUrls urls) {
    this.sandboxes = sandboxes;
    this.urls = urls;
  }

  @Override
  public PortForwardResponse handle(PortForwardRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    Sandbox sandbox = sandboxes.get(request.getPodSandboxId());
    if (!sandbox.status().ready()) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          "port forward to pod sandbox " + sandbox.id() + ": it is not ready");
    }
    return PortForwardResponse.newBuilder()
        .setUrl(urls.portForward(request.toBuilder().setPodSandboxId(sandbox.id()).build())).build();
  }
}
