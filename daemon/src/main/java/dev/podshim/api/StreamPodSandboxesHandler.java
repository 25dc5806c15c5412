package dev.podshim.api;

import dev.podshim.cri.v1.StreamPodSandboxesRequest;
import dev.podshim.cri.v1.StreamPodSandboxesResponse;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Sandbox;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamPodSandboxes: ListPodSandbox's answer, sent in messages of at most {@value #BATCH} sandboxes. */
final class StreamPodSandboxesHandler {
  static final int BATCH = 500;
  private final SandboxService sandboxes;

  StreamPodSandboxesHandler(SandboxService sandboxes) {
    this.sandboxes = sandboxes;
  }

  void respond(StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> out) {
    List<Sandbox> all = sandboxes.list(ListPodSandboxHandler.filter(request.hasFilter() ? request.getFilter() : null));
    for (int from = 0; from < all.size(); from += BATCH) {
      StreamPodSandboxesResponse.Builder batch = StreamPodSandboxesResponse.newBuilder();
      all.subList(from, Math.min(all.size(), from + BATCH)).forEach(s -> batch.addPodSandboxes(SandboxMapper.toListItem(s)));
      out.onNext(batch.build());
    }
    out.onCompleted();
  }
}
