package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.AttachRequest;
import dev.podshim.cri.v1.AttachResponse;
import dev.podshim.store.Container;
import dev.podshim.streaming.StreamUrls;

/** Attach: checks the request and answers with the streaming server's URL for it. */
final class AttachHandler implements UnaryHandler<AttachRequest, AttachResponse> {
  private final ContainerService containers;
  private final StreamUrls urls;

  AttachHandler(ContainerService containers, StreamUrls urls) {
    this.containers = containers;
    this.urls = urls;
  }

  @Override
  public AttachResponse handle(AttachRequest request) {
    Ids.require("container_id", request.getContainerId());
    Container c = StreamRequests.running(containers, request.getContainerId(), "attach to");
    return AttachResponse.newBuilder().setUrl(urls.attach(request.toBuilder().setContainerId(c.id()).build())).build();
  }
}
