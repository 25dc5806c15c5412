package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.StartContainerResponse;

/** StartContainer: only a CREATED container starts. */
final class StartContainerHandler implements UnaryHandler<StartContainerRequest, StartContainerResponse> {
  private final ContainerService containers;
  private final ReadViews views;

  StartContainerHandler(ContainerService containers, ReadViews views) {
    this.containers = containers;
    this.views = views;
  }

  @Override
  public StartContainerResponse handle(StartContainerRequest request) {
    Ids.require("container_id", request.getContainerId());
    containers.start(request.getContainerId());
    views.prepareContainer(request.getContainerId());
    return StartContainerResponse.getDefaultInstance();
  }
}
