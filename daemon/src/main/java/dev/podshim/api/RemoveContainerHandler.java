package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemoveContainerResponse;

/** RemoveContainer: a live container is killed first; idempotent. */
final class RemoveContainerHandler implements UnaryHandler<RemoveContainerRequest, RemoveContainerResponse> {
  private final ContainerService containers;

  RemoveContainerHandler(ContainerService containers) {
    this.containers = containers;
  }

  @Override
  public RemoveContainerResponse handle(RemoveContainerRequest request) {
    Ids.require("container_id", request.getContainerId());
    containers.remove(request.getContainerId());
    return RemoveContainerResponse.getDefaultInstance();
  }
}
