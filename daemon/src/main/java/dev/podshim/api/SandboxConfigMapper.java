package dev.podshim.api;

import dev.podshim.cri.v1.NamespaceOption;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.errors.CriException;
import dev.podshim.store.SandboxConfig;
import java.util.List;

/** RunPodSandbox's protobuf config → the domain's {@link SandboxConfig}, refusing what is absent or unsupported. */
final class SandboxConfigMapper {
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
    if (ns.hasUsernsOptions() && ns.getUsernsOptions().getMode() != dev.podshim.cri.v1.NamespaceMode.NODE) {
      throw CriException.invalidArgument(
          "config.linux.security_context.namespace_options.userns_options: user namespaces are not supported");
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
        new SandboxConfig.NamespaceModes(
            mode("network", ns.getNetworkValue()), mode("pid", ns.getPidValue()), mode("ipc", ns.getIpcValue()),
            ns.getTargetId()),
        runtimeHandler);
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
          "config.linux.security_context.namespace_options." + field + ": unknown namespace mode " + value);
    }
    return modes[value];
  }

}
