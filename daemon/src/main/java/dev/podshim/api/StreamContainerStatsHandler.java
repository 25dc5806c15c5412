package dev.podshim.api;

import dev.podshim.cri.v1.StreamContainerStatsRequest;
import dev.podshim.cri.v1.StreamContainerStatsResponse;
import dev.podshim.stats.StatsService;
import io.grpc.stub.StreamObserver;

/** StreamContainerStats: ListContainerStats' answer in batches, then the stream ends. */
final class StreamContainerStatsHandler {
  private final StatsService stats;

  StreamContainerStatsHandler(StatsService stats) {
    this.stats = stats;
  }

  void respond(StreamContainerStatsRequest request, StreamObserver<StreamContainerStatsResponse> out) {
    Batches.send(ListContainerStatsHandler.list(stats, request.hasFilter() ? request.getFilter() : null),
        batch -> {
          StreamContainerStatsResponse.Builder message = StreamContainerStatsResponse.newBuilder();
          batch.forEach(u -> message.addContainerStats(StatsMapper.toContainerStats(u)));
          return message.build();
        }, out);
  }
}
