package dev.podshim.api;

import dev.podshim.container.ContainerFilter;
import dev.podshim.cri.v1.ContainerStatsFilter;
import dev.podshim.cri.v1.ListContainerStatsRequest;
import dev.podshim.cri.v1.ListContainerStatsResponse;
import dev.podshim.stats.ContainerUsage;
import dev.podshim.stats.Detail;
import dev.podshim.stats.StatsService;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** ListContainerStats: filter by container id (or prefix), pod sandbox id (or prefix) and label selector. */
final class ListContainerStatsHandler implements UnaryHandler<ListContainerStatsRequest, ListContainerStatsResponse> {
  private final StatsService stats;

  ListContainerStatsHandler(StatsService stats) {
    this.stats = stats;
  }

  @Override
  public ListContainerStatsResponse handle(ListContainerStatsRequest request) {
    ListContainerStatsResponse.Builder response = ListContainerStatsResponse.newBuilder();
    list(stats, request.hasFilter() ? request.getFilter() : null)
        .forEach(u -> response.addStats(StatsMapper.toContainerStats(u)));
    return response.build();
  }

  static List<ContainerUsage> list(StatsService stats, @Nullable ContainerStatsFilter f) {
    ContainerFilter filter = f == null ? ContainerFilter.all()
        : new ContainerFilter(f.getId(), null, f.getPodSandboxId(), f.getLabelSelectorMap());
    return stats.containers(filter, Detail.STATS);
  }
}
