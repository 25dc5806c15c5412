package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.ReopenContainerLogRequest;
import dev.podshim.cri.v1.ReopenContainerLogResponse;

/** ReopenContainerLog: conmon reopens the log file kubelet has rotated. */
final class ReopenContainerLogHandler implements UnaryHandler<ReopenContainerLogRequest, ReopenContainerLogResponse> {
  private final ContainerService containers;

  ReopenContainerLogHandler(ContainerService containers) {
    this.containers = containers;
  }

  @Override
  public ReopenContainerLogResponse handle(ReopenContainerLogRequest request) {
    Ids.require("container_id", request.getContainerId());
    containers.reopenLog(request.getContainerId());
    return ReopenContainerLogResponse.getDefaultInstance();
  }
}
