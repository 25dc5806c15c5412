package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ContainerStatusResponse;
import dev.podshim.store.Container;

/** ContainerStatus; verbose adds pid, bundle, the OCI spec, sandbox id and runtime handler, as crictl inspect shows. */
final class ContainerStatusHandler implements UnaryHandler<ContainerStatusRequest, ContainerStatusResponse> {
  private final ContainerService containers;
  private final ReadViews views;

  ContainerStatusHandler(ContainerService containers, ReadViews views) {
    this.containers = containers;
    this.views = views;
  }

  @Override
  public ContainerStatusResponse handle(ContainerStatusRequest request) {
    Ids.require("container_id", request.getContainerId());
    Container c = containers.get(request.getContainerId());
    ContainerStatusResponse.Builder response = ContainerStatusResponse.newBuilder()
        .setStatus(views.status(c));
    if (request.getVerbose()) {
      response.putInfo("info", views.verboseInfo(c));
    }
    return response.build();
  }
}
