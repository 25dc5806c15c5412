package dev.podshim.api;

import dev.podshim.cri.v1.ContainerEventResponse;
import dev.podshim.cri.v1.GetEventsRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** GetContainerEvents: a stream of every container and pod sandbox change from now on, until the client cancels. */
final class GetContainerEventsHandler {
  private final ContainerEvents events;

  GetContainerEventsHandler(ContainerEvents events) {
    this.events = events;
  }

  void respond(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
    events.subscribe((ServerCallStreamObserver<ContainerEventResponse>) out);
  }
}
