package dev.podshim.api;

import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.PodSandboxStatusResponse;
import dev.podshim.sandbox.Namespace;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxStatus;
import dev.podshim.store.StateFile;
import java.util.LinkedHashMap;
import java.util.Map;

/** PodSandboxStatus; verbose adds pid, namespace paths and the config, as crictl inspectp shows. */
final class PodSandboxStatusHandler implements UnaryHandler<PodSandboxStatusRequest, PodSandboxStatusResponse> {
  private final SandboxService sandboxes;
  private final ReadViews views;

  PodSandboxStatusHandler(SandboxService sandboxes, ReadViews views) {
    this.sandboxes = sandboxes;
    this.views = views;
  }

  @Override
  public PodSandboxStatusResponse handle(PodSandboxStatusRequest request) {
    Ids.require("pod_sandbox_id", request.getPodSandboxId());
    Sandbox sandbox = sandboxes.get(request.getPodSandboxId());
    PodSandboxStatusResponse.Builder response = PodSandboxStatusResponse.newBuilder()
        .setStatus(views.status(sandbox))
        .setTimestamp(System.currentTimeMillis() * 1_000_000L);
    if (request.getVerbose()) {
      response.putInfo("info", views.verboseInfo(sandbox, () -> StateFile.toJson(verboseInfo(sandbox))));
    }
    return response.build();
  }

  private static Map<String, Object> verboseInfo(Sandbox sandbox) {
    SandboxStatus status = sandbox.status();
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("pid", status.pid());
    info.put("pauseAlive", status.pauseAlive());
    if (sandbox.unreadable() != null) {
      info.put("unreadable", sandbox.unreadable());
    }
    if (status.exitedAtNanos() != 0) {
      info.put("pauseExitCode", status.exitCode());
    }
    // the pins RunPodSandbox made, from the config rather than a stat of each file per call: a
    // created sandbox holds them until it is removed
    Map<String, String> namespaces = new LinkedHashMap<>();
    if (status.created()) {
      var pinned = SandboxService.namespacesOf(sandbox.metadata().config());
      for (Namespace ns : Namespace.values()) {
        if (pinned.contains(ns)) {
          namespaces.put(ns.procName(), sandbox.nsDir().resolve(ns.procName()).toString());
        }
      }
    }
    info.put("namespaces", namespaces);
    info.put("cgroupPath", sandbox.metadata().cgroupPath());
    info.put("sandboxDir", sandbox.dir().toString());
    info.put("config", sandbox.metadata().config());
    return info;
  }
}
