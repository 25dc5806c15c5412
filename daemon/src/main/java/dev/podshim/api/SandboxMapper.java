package dev.podshim.api;

import dev.podshim.cri.v1.LinuxPodSandboxStatus;
import dev.podshim.cri.v1.Namespace;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.NamespaceOption;
import dev.podshim.cri.v1.PodIP;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxNetworkStatus;
import dev.podshim.cri.v1.PodSandboxMetadata;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.cri.v1.PodSandboxStatus;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxConfig;
import dev.podshim.store.SandboxMetadata;
import java.util.List;

/** Domain sandbox → the protobuf shapes ListPodSandbox and PodSandboxStatus answer with. */
final class SandboxMapper {
  private SandboxMapper() {}

  static PodSandbox toListItem(Sandbox s) {
    SandboxMetadata meta = s.metadata();
    return PodSandbox.newBuilder()
        .setId(s.id())
        .setMetadata(metadata(meta.config().metadata()))
        .setState(state(s))
        .setCreatedAt(meta.createdAtNanos())
        .putAllLabels(meta.config().labels())
        .putAllAnnotations(meta.config().annotations())
        .setRuntimeHandler(meta.config().runtimeHandler())
        .build();
  }

  static PodSandboxStatus toStatus(Sandbox s, List<String> ips) {
    SandboxMetadata meta = s.metadata();
    SandboxConfig config = meta.config();
    PodSandboxNetworkStatus.Builder network = PodSandboxNetworkStatus.newBuilder();
    if (!ips.isEmpty()) {
      network.setIp(ips.getFirst());
      ips.subList(1, ips.size()).forEach(ip -> network.addAdditionalIps(PodIP.newBuilder().setIp(ip)));
    }
    return PodSandboxStatus.newBuilder()
        .setNetwork(network)
        .setId(s.id())
        .setMetadata(metadata(config.metadata()))
        .setState(state(s))
        .setCreatedAt(meta.createdAtNanos())
        .setLinux(LinuxPodSandboxStatus.newBuilder()
            .setNamespaces(Namespace.newBuilder().setOptions(namespaceOption(config.namespaces()))))
        .putAllLabels(config.labels())
        .putAllAnnotations(config.annotations())
        .setRuntimeHandler(config.runtimeHandler())
        .build();
  }

  static PodSandboxState state(Sandbox s) {
    return s.status().ready() ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
  }

  static NamespaceOption namespaceOption(SandboxConfig.NamespaceModes modes) {
    return NamespaceOption.newBuilder()
        .setNetwork(NamespaceMode.forNumber(modes.network().ordinal()))
        .setPid(NamespaceMode.forNumber(modes.pid().ordinal()))
        .setIpc(NamespaceMode.forNumber(modes.ipc().ordinal()))
        .setTargetId(modes.targetId())
        .build();
  }

  static PodSandboxMetadata metadata(SandboxConfig.PodMetadata m) {
    return PodSandboxMetadata.newBuilder()
        .setName(m.name())
        .setUid(m.uid())
        .setNamespace(m.namespace())
        .setAttempt(m.attempt())
        .build();
  }
}
