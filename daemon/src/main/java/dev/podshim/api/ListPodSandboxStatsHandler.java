package dev.podshim.api;

import dev.podshim.cri.v1.ListPodSandboxStatsRequest;
import dev.podshim.cri.v1.ListPodSandboxStatsResponse;
import dev.podshim.cri.v1.PodSandboxStatsFilter;
import dev.podshim.sandbox.SandboxFilter;
import dev.podshim.stats.Detail;
import dev.podshim.stats.PodUsage;
import dev.podshim.stats.StatsService;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** ListPodSandboxStats: ready pods, filtered by id (or prefix) and label selector. */
final class ListPodSandboxStatsHandler implements UnaryHandler<ListPodSandboxStatsRequest, ListPodSandboxStatsResponse> {
  private final StatsService stats;

  ListPodSandboxStatsHandler(StatsService stats) {
    this.stats = stats;
  }

  @Override
  public ListPodSandboxStatsResponse handle(ListPodSandboxStatsRequest request) {
    ListPodSandboxStatsResponse.Builder response = ListPodSandboxStatsResponse.newBuilder();
    list(stats, request.hasFilter() ? request.getFilter() : null)
        .forEach(u -> response.addStats(StatsMapper.toPodStats(u)));
    return response.build();
  }

  static List<PodUsage> list(StatsService stats, @Nullable PodSandboxStatsFilter f) {
    SandboxFilter filter = f == null ? SandboxFilter.all() : new SandboxFilter(f.getId(), true, f.getLabelSelectorMap());
    return stats.pods(filter, Detail.STATS);
  }
}
