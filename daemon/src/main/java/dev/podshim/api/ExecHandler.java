package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.container.ExecSync;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.cri.v1.ExecResponse;
import dev.podshim.store.Container;
import dev.podshim.streaming.StreamUrls;

/** Exec: checks the request and answers with the streaming server's URL for it. */
final class ExecHandler implements UnaryHandler<ExecRequest, ExecResponse> {
  private final ContainerService containers;
  private final StreamUrls urls;

  ExecHandler(ContainerService containers, StreamUrls urls) {
    this.containers = containers;
    this.urls = urls;
  }

  @Override
  public ExecResponse handle(ExecRequest request) {
    Ids.require("container_id", request.getContainerId());
    ExecSync.validate(request.getCmdList());
    Container c = StreamRequests.running(containers, request.getContainerId(), "exec in");
    return ExecResponse.newBuilder().setUrl(urls.exec(request.toBuilder().setContainerId(c.id()).build())).build();
  }
}
