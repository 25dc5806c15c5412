package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What the client asked for in RunPodSandbox, as the domain sees it: the api layer maps the
 * protobuf PodSandboxConfig into this, and it is persisted verbatim in the sandbox metadata.
 *
 * @param userNamespace the pod's own user namespace (mode POD); null for the node's
 */
public record SandboxConfig(
    PodMetadata metadata,
    String hostname,
    String logDirectory,
    @Nullable Dns dns,
    List<PortMapping> portMappings,
    Map<String, String> labels,
    Map<String, String> annotations,
    String cgroupParent,
    Map<String, String> sysctls,
    NamespaceModes namespaces,
    String runtimeHandler,
    @Nullable UserNamespace userNamespace) {

  public SandboxConfig {
    requireNonNull(metadata, "metadata");
    requireNonNull(hostname, "hostname");
    requireNonNull(logDirectory, "logDirectory");
    portMappings = List.copyOf(portMappings);
    labels = sorted(labels);
    annotations = sorted(annotations);
    requireNonNull(cgroupParent, "cgroupParent");
    sysctls = sorted(sysctls);
    requireNonNull(namespaces, "namespaces");
    requireNonNull(runtimeHandler, "runtimeHandler");
    if (userNamespace != null && userNamespace.host()) {
      userNamespace = null; // the node's: one spelling for it
    }
  }

  /**
   * The config listed for a sandbox whose meta.json could not be read: pod name and uid from the
   * id, host namespaces (nothing of the pod's own is known), so kubelet sees it and removes it.
   */
  public static SandboxConfig unreadable(String id) {
    return new SandboxConfig(new PodMetadata("unreadable-" + id.substring(0, Math.min(12, id.length())), id,
        "podshim-unreadable", 0), "", "", null, List.of(), Map.of(), Map.of(), "", Map.of(),
        new NamespaceModes(Mode.POD, Mode.POD, Mode.POD, ""), "", null);
  }

  private static Map<String, String> sorted(Map<String, String> map) {
    return java.util.Collections.unmodifiableMap(new TreeMap<>(map));
  }

  public record PodMetadata(String name, String uid, String namespace, int attempt) {
    public PodMetadata {
      requireNonNull(name, "name");
      requireNonNull(uid, "uid");
      requireNonNull(namespace, "namespace");
    }
  }

  public record Dns(List<String> servers, List<String> searches, List<String> options) {
    public Dns {
      servers = List.copyOf(servers);
      searches = List.copyOf(searches);
      options = List.copyOf(options);
    }
  }

  public record PortMapping(String protocol, int containerPort, int hostPort, String hostIp) {
    public PortMapping {
      requireNonNull(protocol, "protocol");
      requireNonNull(hostIp, "hostIp");
    }
  }

  /** Which namespaces the pod gets of its own (POD) and which it shares with the node. */
  public record NamespaceModes(Mode network, Mode pid, Mode ipc, String targetId) {
    public NamespaceModes {
      requireNonNull(network, "network");
      requireNonNull(pid, "pid");
      requireNonNull(ipc, "ipc");
      requireNonNull(targetId, "targetId");
    }

    public boolean hostNetwork() {
      return network == Mode.NODE;
    }

    public boolean hostIpc() {
      return ipc == Mode.NODE;
    }
  }

  /** CRI NamespaceMode, same meanings and order as the protocol's enum. */
  public enum Mode {
    POD,
    CONTAINER,
    NODE,
    TARGET
  }
}
