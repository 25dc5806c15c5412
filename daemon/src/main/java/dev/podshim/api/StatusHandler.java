package dev.podshim.api;

import dev.podshim.config.DaemonConfig;
import dev.podshim.cri.v1.RuntimeCondition;
import dev.podshim.cri.v1.RuntimeHandler;
import dev.podshim.cri.v1.RuntimeHandlerFeatures;
import dev.podshim.cri.v1.RuntimeStatus;
import dev.podshim.cri.v1.StatusRequest;
import dev.podshim.cri.v1.StatusResponse;
import dev.podshim.network.PodNetwork;
import dev.podshim.cri.v1.RuntimeFeatures;
import dev.podshim.oci.AppArmor;
import dev.podshim.oci.RuntimeHandlers;
import dev.podshim.sandbox.UserNamespaceSupport;
import dev.podshim.store.StateFile;
import dev.podshim.streaming.StreamUrls;
import java.util.LinkedHashMap;
import java.util.Map;

/** Status: RuntimeReady and NetworkReady conditions; verbose adds the daemon's config, where the streaming server listens and whether AppArmor profiles are applied. */
final class StatusHandler implements UnaryHandler<StatusRequest, StatusResponse> {
  private final DaemonConfig config;
  private final PodNetwork network;
  private final RuntimeHandlers runtimes;
  private final StreamUrls streams;
  private final AppArmor appArmor;
  private final UserNamespaceSupport userNamespaces;

  StatusHandler(DaemonConfig config, PodNetwork network, RuntimeHandlers runtimes, StreamUrls streams,
      AppArmor appArmor, UserNamespaceSupport userNamespaces) {
    this.userNamespaces = userNamespaces;
    this.config = config;
    this.appArmor = appArmor;
    this.network = network;
    this.runtimes = runtimes;
    this.streams = streams;
  }

  private RuntimeHandlerFeatures features(String handler) {
    return RuntimeHandlerFeatures.newBuilder().setRecursiveReadOnlyMounts(true)
        .setUserNamespaces(userNamespaces.supports(handler)).build();
  }

  @Override
  public StatusResponse handle(StatusRequest request) {
    PodNetwork.Readiness net = network.readiness();
    StatusResponse.Builder response = StatusResponse.newBuilder()
        .setStatus(RuntimeStatus.newBuilder()
            .addConditions(RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(true))
            .addConditions(RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(net.ready())
                .setReason(net.ready() ? "" : net.reason()).setMessage(net.ready() ? "" : net.message())));
    // "" is kubelet's default handler; recursive read-only mounts are runc's and crun's "rro";
    // user namespaces where the start-up probe found them working
    response.addRuntimeHandlers(RuntimeHandler.newBuilder().setName("").setFeatures(features("")));
    runtimes.names().forEach(name -> response.addRuntimeHandlers(
        RuntimeHandler.newBuilder().setName(name).setFeatures(features(name))));
    response.setFeatures(RuntimeFeatures.newBuilder().setSupplementalGroupsPolicy(true).setMountOptions(true));
    if (request.getVerbose()) {
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("config", config);
      info.put("podCidr", network.podCidr());
      info.put("streamingServer", streams.baseUrl());
      // the CRI has no field for it (kubelet reads the node's AppArmor itself); containerd's
      // verbose config says whether it applies profiles, so does this
      Map<String, Object> apparmor = new LinkedHashMap<>();
      apparmor.put("enabled", appArmor.enabled());
      apparmor.put("defaultProfile", appArmor.enabled() ? AppArmor.DEFAULT_PROFILE : "");
      info.put("apparmor", apparmor);
      response.putInfo("config", StateFile.toJson(info));
    }
    return response.build();
  }
}
