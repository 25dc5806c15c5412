package dev.podshim.api;

import dev.podshim.cri.v1.PodSandboxStatsRequest;
import dev.podshim.cri.v1.PodSandboxStatsResponse;
import dev.podshim.stats.Detail;
import dev.podshim.stats.StatsService;

/** PodSandboxStats: one ready pod's cgroup, network, process count and containers. */
final class PodSandboxStatsHandler implements UnaryHandler<PodSandboxStatsRequest, PodSandboxStatsResponse> {
  private final StatsService stats;

  PodSandboxStatsHandler(StatsService stats) {
    this.stats = stats;
  }

  @Override
  public PodSandboxStatsResponse handle(PodSandboxStatsRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    return PodSandboxStatsResponse.newBuilder()
        .setStats(StatsMapper.toPodStats(stats.pod(request.getPodSandboxId(), Detail.STATS)))
        .build();
  }
}
