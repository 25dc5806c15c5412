package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.StreamContainersRequest;
import dev.podshim.cri.v1.StreamContainersResponse;
import dev.podshim.store.Container;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamContainers: ListContainers' answer, sent in messages of at most {@value #BATCH} containers. */
final class StreamContainersHandler {
  static final int BATCH = 500;
  private final ContainerService containers;

  StreamContainersHandler(ContainerService containers) {
    this.containers = containers;
  }

  void respond(StreamContainersRequest request, StreamObserver<StreamContainersResponse> out) {
    List<Container> all = containers.list(ListContainersHandler.filter(request.hasFilter() ? request.getFilter() : null));
    for (int from = 0; from < all.size(); from += BATCH) {
      StreamContainersResponse.Builder batch = StreamContainersResponse.newBuilder();
      all.subList(from, Math.min(all.size(), from + BATCH)).forEach(c -> batch.addContainers(ContainerMapper.toListItem(c)));
      out.onNext(batch.build());
    }
    out.onCompleted();
  }
}
