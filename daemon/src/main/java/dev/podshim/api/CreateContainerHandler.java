package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.CreateContainerRequest;
import dev.podshim.cri.v1.CreateContainerResponse;
import dev.podshim.errors.CriException;

/** CreateContainer: NOT_FOUND for a missing sandbox or image, INVALID_ARGUMENT naming a bad field. */
final class CreateContainerHandler implements UnaryHandler<CreateContainerRequest, CreateContainerResponse> {
  private final ContainerService containers;
  private final ReadViews views;

  CreateContainerHandler(ContainerService containers, ReadViews views) {
    this.containers = containers;
    this.views = views;
  }

  @Override
  public CreateContainerResponse handle(CreateContainerRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    if (!request.hasConfig()) {
      throw CriException.invalidArgument("config: is required");
    }
    String id = containers.create(request.getPodSandboxId(), ContainerConfigMapper.fromProto(request.getConfig()));
    views.prepareContainer(id);
    return CreateContainerResponse.newBuilder().setContainerId(id).build();
  }
}
