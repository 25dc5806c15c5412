package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.cri.v1.StopContainerResponse;
import dev.podshim.errors.CriException;
import java.time.Duration;

/** StopContainer: stop signal, SIGKILL after {@code timeout} seconds; idempotent. */
final class StopContainerHandler implements UnaryHandler<StopContainerRequest, StopContainerResponse> {
  private static final long MAX_TIMEOUT_SECONDS = 365L * 24 * 3600;
  private final ContainerService containers;
  private final ReadViews views;

  StopContainerHandler(ContainerService containers, ReadViews views) {
    this.containers = containers;
    this.views = views;
  }

  @Override
  public StopContainerResponse handle(StopContainerRequest request) {
    Ids.require("container_id", request.getContainerId());
    if (request.getTimeout() < 0 || request.getTimeout() > MAX_TIMEOUT_SECONDS) {
      throw CriException.invalidArgument("timeout: " + request.getTimeout() + " is not between 0 and "
          + MAX_TIMEOUT_SECONDS + " seconds");
    }
    containers.stop(request.getContainerId(), Duration.ofSeconds(request.getTimeout()));
    views.prepareContainer(request.getContainerId());
    return StopContainerResponse.getDefaultInstance();
  }
}
