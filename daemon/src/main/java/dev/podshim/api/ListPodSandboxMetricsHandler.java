package dev.podshim.api;

import dev.podshim.cri.v1.ListPodSandboxMetricsRequest;
import dev.podshim.cri.v1.ListPodSandboxMetricsResponse;
import dev.podshim.sandbox.SandboxFilter;
import dev.podshim.stats.Detail;
import dev.podshim.stats.PodUsage;
import dev.podshim.stats.StatsService;
import java.util.List;

/** ListPodSandboxMetrics: every ready pod's and its containers' cAdvisor-named metrics. */
final class ListPodSandboxMetricsHandler
    implements UnaryHandler<ListPodSandboxMetricsRequest, ListPodSandboxMetricsResponse> {
  private final StatsService stats;

  ListPodSandboxMetricsHandler(StatsService stats) {
    this.stats = stats;
  }

  @Override
  public ListPodSandboxMetricsResponse handle(ListPodSandboxMetricsRequest request) {
    ListPodSandboxMetricsResponse.Builder response = ListPodSandboxMetricsResponse.newBuilder();
    all(stats).forEach(p -> response.addPodMetrics(CadvisorMetrics.toPodMetrics(p)));
    return response.build();
  }

  static List<PodUsage> all(StatsService stats) {
    return stats.pods(SandboxFilter.all(), Detail.METRICS);
  }
}
