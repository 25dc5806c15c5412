package dev.podshim.api;

import dev.podshim.cri.v1.StreamPodSandboxMetricsRequest;
import dev.podshim.cri.v1.StreamPodSandboxMetricsResponse;
import dev.podshim.stats.StatsService;
import io.grpc.stub.StreamObserver;

/** StreamPodSandboxMetrics: ListPodSandboxMetrics' answer in batches of pods, then the stream ends. */
final class StreamPodSandboxMetricsHandler {
  private final StatsService stats;

  StreamPodSandboxMetricsHandler(StatsService stats) {
    this.stats = stats;
  }

  void respond(StreamPodSandboxMetricsRequest request, StreamObserver<StreamPodSandboxMetricsResponse> out) {
    Batches.send(ListPodSandboxMetricsHandler.all(stats), batch -> {
      StreamPodSandboxMetricsResponse.Builder message = StreamPodSandboxMetricsResponse.newBuilder();
      batch.forEach(p -> message.addPodSandboxMetrics(CadvisorMetrics.toPodMetrics(p)));
      return message.build();
    }, out);
  }
}
