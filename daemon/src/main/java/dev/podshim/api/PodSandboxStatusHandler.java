package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.PodSandboxStatusResponse;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Sandbox;

/**
 * PodSandboxStatus; verbose adds pid, namespace paths and the config, as crictl inspectp shows.
 *
 * <p>With a {@code timestamp} the answer must carry every container of the sandbox: kubelet's
 * evented PLEG then takes {@code containers_statuses} as the pod's whole container list instead
 * of listing them (kuberuntime's GetPodStatus), and an empty list has it start the pod's containers
 * again and again. Newest first, as kubelet's own listing sorts them. The timestamp is taken before the state is read, so that no change it omits
 * looks older than it to kubelet.
 */
final class PodSandboxStatusHandler implements UnaryHandler<PodSandboxStatusRequest, PodSandboxStatusResponse> {
  private final SandboxService sandboxes;
  private final ContainerService containers;
  private final ReadViews views;

  PodSandboxStatusHandler(SandboxService sandboxes, ContainerService containers, ReadViews views) {
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.views = views;
  }

  @Override
  public PodSandboxStatusResponse handle(PodSandboxStatusRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    long timestamp = PlegTimestamps.next();
    Sandbox sandbox = sandboxes.get(request.getPodSandboxId());
    PodSandboxStatusResponse.Builder response = PodSandboxStatusResponse.newBuilder()
        .setStatus(views.status(sandbox))
        .setTimestamp(timestamp);
    PodContainers.newestFirst(containers, sandbox.id()).forEach(c -> response.addContainersStatuses(views.status(c)));
    if (request.getVerbose()) {
      response.putInfo("info", views.verboseInfo(sandbox));
    }
    return response.build();
  }
}
