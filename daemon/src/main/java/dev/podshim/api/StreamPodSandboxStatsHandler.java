package dev.podshim.api;

import dev.podshim.cri.v1.StreamPodSandboxStatsRequest;
import dev.podshim.cri.v1.StreamPodSandboxStatsResponse;
import dev.podshim.stats.StatsService;
import io.grpc.stub.StreamObserver;

/** StreamPodSandboxStats: ListPodSandboxStats' answer in batches, then the stream ends. */
final class StreamPodSandboxStatsHandler {
  private final StatsService stats;

  StreamPodSandboxStatsHandler(StatsService stats) {
    this.stats = stats;
  }

  void respond(StreamPodSandboxStatsRequest request, StreamObserver<StreamPodSandboxStatsResponse> out) {
    Batches.send(ListPodSandboxStatsHandler.list(stats, request.hasFilter() ? request.getFilter() : null),
        batch -> {
          StreamPodSandboxStatsResponse.Builder message = StreamPodSandboxStatsResponse.newBuilder();
          batch.forEach(u -> message.addPodSandboxStats(StatsMapper.toPodStats(u)));
          return message.build();
        }, out);
  }
}
