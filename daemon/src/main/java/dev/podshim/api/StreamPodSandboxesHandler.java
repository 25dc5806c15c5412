package dev.podshim.api;

import dev.podshim.cri.v1.StreamPodSandboxesRequest;
import dev.podshim.cri.v1.StreamPodSandboxesResponse;
import dev.podshim.sandbox.SandboxService;
import io.grpc.stub.StreamObserver;

/** StreamPodSandboxes: ListPodSandbox's answer, in {@link Batches}. */
final class StreamPodSandboxesHandler {
  private final SandboxService sandboxes;

  StreamPodSandboxesHandler(SandboxService sandboxes) {
    this.sandboxes = sandboxes;
  }

  void respond(StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> out) {
    Batches.send(sandboxes.list(ListPodSandboxHandler.filter(request.hasFilter() ? request.getFilter() : null)),
        batch -> StreamPodSandboxesResponse.newBuilder()
            .addAllPodSandboxes(batch.stream().map(SandboxMapper::toListItem).toList()).build(),
        out);
  }
}
