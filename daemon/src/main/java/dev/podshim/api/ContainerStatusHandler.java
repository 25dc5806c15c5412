package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ContainerStatusResponse;
import dev.podshim.store.Container;
import dev.podshim.store.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/** ContainerStatus; verbose adds pid, bundle, the OCI spec, sandbox id and runtime handler, as crictl inspect shows. */
final class ContainerStatusHandler implements UnaryHandler<ContainerStatusRequest, ContainerStatusResponse> {
  private final ContainerService containers;
  private final ReadViews views;

  ContainerStatusHandler(ContainerService containers, ReadViews views) {
    this.containers = containers;
    this.views = views;
  }

  @Override
  public ContainerStatusResponse handle(ContainerStatusRequest request) {
    Ids.require("container_id", request.getContainerId());
    Container c = containers.get(request.getContainerId());
    ContainerStatusResponse.Builder response = ContainerStatusResponse.newBuilder()
        .setStatus(views.status(c));
    if (request.getVerbose()) {
      response.putInfo("info", StateFile.toJson(verboseInfo(c)));
    }
    return response.build();
  }

  private static Map<String, Object> verboseInfo(Container c) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("sandboxID", c.metadata().sandboxId());
    info.put("pid", c.status().pid());
    info.put("conmonPid", c.status().conmonPid());
    info.put("runtimeHandler", c.metadata().runtimeHandler().isEmpty() ? "runc" : c.metadata().runtimeHandler());
    info.put("bundle", c.bundle().toString());
    info.put("config", c.metadata().config());
    try {
      // the one file a status reads, and only when verbose: the spec is large and not kept in memory
      info.put("runtimeSpec", StateFile.parseJson(Files.readAllBytes(c.bundle().resolve("config.json"))));
    } catch (IOException e) {
      info.put("runtimeSpecError", e.getMessage());
    }
    return info;
  }
}
