package dev.podshim.api;

import dev.podshim.cri.v1.NamespaceOption;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.errors.CriException;
import dev.podshim.store.SandboxConfig;
import java.util.List;

/** RunPodSandbox's protobuf config → the domain's {@link SandboxConfig}, refusing what is absent or unsupported. */
final class SandboxConfigMapper {
  private static final String NAMESPACE_OPTIONS = "config.linux.security_context.namespace_options";
  private SandboxConfigMapper() {}

  static SandboxConfig fromProto(PodSandboxConfig c, String runtimeHandler) {
    if (!c.hasMetadata()) {
      throw CriException.invalidArgument("config.metadata: is required");
    }
    var m = c.getMetadata();
    SandboxConfig.Dns dns = c.hasDnsConfig()
        ? new SandboxConfig.Dns(c.getDnsConfig().getServersList(), c.getDnsConfig().getSearchesList(),
            c.getDnsConfig().getOptionsList())
        : null;
    List<SandboxConfig.PortMapping> ports = c.getPortMappingsList().stream()
        .map(p -> new SandboxConfig.PortMapping(protocol(p.getProtocolValue()), p.getContainerPort(), p.getHostPort(),
            p.getHostIp()))
        .toList();
    var linux = c.getLinux();
    NamespaceOption ns = linux.getSecurityContext().getNamespaceOptions();
    var modes = new SandboxConfig.NamespaceModes(
        mode("network", ns.getNetworkValue()), mode("pid", ns.getPidValue()), mode("ipc", ns.getIpcValue()),
        ns.getTargetId());
    var userns = UserNamespaceMapper.fromProto(NAMESPACE_OPTIONS, ns);
    if (userns != null && !userns.host()
        && (modes.hostNetwork() || modes.hostIpc() || modes.pid() == SandboxConfig.Mode.NODE)) {
      // the node's namespaces belong to the node's user namespace: a pod root could not administer them
      throw CriException.invalidArgument(NAMESPACE_OPTIONS + ".userns_options: mode POD needs the pod's own"
          + " network, IPC and PID namespaces, not the node's");
    }
    return new SandboxConfig(
        new SandboxConfig.PodMetadata(m.getName(), m.getUid(), m.getNamespace(), m.getAttempt()),
        c.getHostname(),
        c.getLogDirectory(),
        dns,
        ports,
        c.getLabelsMap(),
        c.getAnnotationsMap(),
        linux.getCgroupParent(),
        linux.getSysctlsMap(),
        modes,
        runtimeHandler,
        userns);
  }

  private static String protocol(int value) {
    return switch (value) {
      case 0 -> "TCP";
      case 1 -> "UDP";
      case 2 -> "SCTP";
      default -> throw CriException.invalidArgument("config.port_mappings.protocol: unknown protocol " + value);
    };
  }

  private static SandboxConfig.Mode mode(String field, int value) {
    SandboxConfig.Mode[] modes = SandboxConfig.Mode.values();
    if (value < 0 || value >= modes.length) {
      throw CriException.invalidArgument(
          NAMESPACE_OPTIONS + "." + field + ": unknown namespace mode " + value);
    }
    return modes[value];
  }

}
