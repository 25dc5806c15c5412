package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.StreamContainersRequest;
import dev.podshim.cri.v1.StreamContainersResponse;
import io.grpc.stub.StreamObserver;

/** StreamContainers: ListContainers' answer, in {@link Batches}. */
final class StreamContainersHandler {
  private final ContainerService containers;

  StreamContainersHandler(ContainerService containers) {
    this.containers = containers;
  }

  void respond(StreamContainersRequest request, StreamObserver<StreamContainersResponse> out) {
    Batches.send(containers.list(ListContainersHandler.filter(request.hasFilter() ? request.getFilter() : null)),
        batch -> StreamContainersResponse.newBuilder()
            .addAllContainers(batch.stream().map(ContainerMapper::toListItem).toList()).build(),
        out);
  }
}
