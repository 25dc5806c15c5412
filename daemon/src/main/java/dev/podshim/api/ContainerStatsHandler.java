package dev.podshim.api;

import dev.podshim.cri.v1.ContainerStatsRequest;
import dev.podshim.cri.v1.ContainerStatsResponse;
import dev.podshim.stats.Detail;
import dev.podshim.stats.StatsService;

/** ContainerStats: one container's CPU, memory, swap and writable layer. */
final class ContainerStatsHandler implements UnaryHandler<ContainerStatsRequest, ContainerStatsResponse> {
  private final StatsService stats;

  ContainerStatsHandler(StatsService stats) {
    this.stats = stats;
  }

  @Override
  public ContainerStatsResponse handle(ContainerStatsRequest request) {
    Ids.require("container_id", request.getContainerId());
    return ContainerStatsResponse.newBuilder()
        .setStats(StatsMapper.toContainerStats(stats.container(request.getContainerId(), Detail.STATS)))
        .build();
  }
}
