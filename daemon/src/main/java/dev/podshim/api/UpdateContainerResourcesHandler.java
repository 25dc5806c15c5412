package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.UpdateContainerResourcesRequest;
import dev.podshim.cri.v1.UpdateContainerResourcesResponse;
import dev.podshim.errors.CriException;

/** UpdateContainerResources: the Linux resources, applied to the live cgroup and kept in the status. */
final class UpdateContainerResourcesHandler
    implements UnaryHandler<UpdateContainerResourcesRequest, UpdateContainerResourcesResponse> {
  private final ContainerService containers;

  UpdateContainerResourcesHandler(ContainerService containers) {
    this.containers = containers;
  }

  @Override
  public UpdateContainerResourcesResponse handle(UpdateContainerResourcesRequest request) {
    Ids.require("container_id", request.getContainerId());
    if (!request.hasLinux()) {
      throw CriException.invalidArgument("linux: is required (Windows resources do not apply on Linux)");
    }
    containers.updateResources(request.getContainerId(), ContainerConfigMapper.resources(request.getLinux()));
    return UpdateContainerResourcesResponse.getDefaultInstance();
  }
}
