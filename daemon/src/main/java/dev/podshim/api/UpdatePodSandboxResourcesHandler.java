package dev.podshim.api;

import dev.podshim.container.ResourceLimits;
import dev.podshim.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.podshim.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.ContainerConfig.Resources;
import dev.podshim.store.PodResources;

/**
 * UpdatePodSandboxResources: kubelet's in-place pod resize, after it has resized the pod's
 * cgroup. The CPU and memory are checked as a container's are, written into the pod's cgroup and
 * kept in the sandbox's status (shown in its verbose info).
 */
final class UpdatePodSandboxResourcesHandler
    implements UnaryHandler<UpdatePodSandboxResourcesRequest, UpdatePodSandboxResourcesResponse> {
  private final SandboxService sandboxes;

  UpdatePodSandboxResourcesHandler(SandboxService sandboxes) {
    this.sandboxes = sandboxes;
  }

  @Override
  public UpdatePodSandboxResourcesResponse handle(UpdatePodSandboxResourcesRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    Resources resources = ContainerConfigMapper.resources(request.getResources());
    Resources overhead = ContainerConfigMapper.resources(request.getOverhead());
    ResourceLimits.checkPodLevel(resources, overhead);
    sandboxes.updateResources(request.getPodSandboxId(), new PodResources(resources, overhead));
    return UpdatePodSandboxResourcesResponse.getDefaultInstance();
  }
}
