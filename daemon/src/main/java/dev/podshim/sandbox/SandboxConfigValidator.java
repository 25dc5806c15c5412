package dev.podshim.sandbox;

import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;
import dev.podshim.errors.Metadata;
import dev.podshim.store.SandboxConfig;
import dev.podshim.store.SandboxConfig.Mode;
import dev.podshim.store.SandboxConfig.PortMapping;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Refuses a RunPodSandbox config before anything is created, naming the field at fault. Every
 * value that ends up in a path, a file or a kernel interface is checked here.
 */
final class SandboxConfigValidator {
  private static final Pattern HOSTNAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS_WORD = Pattern.compile("[^\\s\\x00]+");
  private static final Set<String> FORBIDDEN_LOG_ROOTS = Set.of("/proc", "/sys", "/dev");
  private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");
  private static final int MAX_HOSTNAME = 64;
  private static final int MAX_NAME = Metadata.MAX_NAME;
  private static final int MAX_DNS_SEARCHES = 32;

  private final Sysctls sysctls;
  private final PodCgroups cgroups;
  private final Set<String> runtimeHandlers;
  private final UserNamespaceSupport userNamespaces;
  private final ReservedDirs reserved;

  SandboxConfigValidator(Sysctls sysctls, PodCgroups cgroups, Set<String> runtimeHandlers, ReservedDirs reserved,
      UserNamespaceSupport userNamespaces) {
    this.userNamespaces = userNamespaces;
    this.sysctls = sysctls;
    this.cgroups = cgroups;
    this.runtimeHandlers = Set.copyOf(runtimeHandlers);
    this.reserved = reserved;
  }

  void validate(SandboxConfig c) {
    Metadata.name("config.metadata.name", c.metadata().name(), true);
    Metadata.name("config.metadata.namespace", c.metadata().namespace(), true);
    Metadata.name("config.metadata.uid", c.metadata().uid(), false);
    hostname(c);
    logDirectory(c.logDirectory());
    if (c.dns() != null) {
      dns(c.dns());
    }
    for (int i = 0; i < c.portMappings().size(); i++) {
      portMapping("config.port_mappings[" + i + "]", c.portMappings().get(i));
    }
    Metadata.mapSize("config.labels", c.labels());
    Metadata.mapSize("config.annotations", c.annotations());
    namespaces(c.namespaces());
    cgroups.validateParent(c.cgroupParent());
    sysctls.validate(c.sysctls(), c.namespaces());
    if (!runtimeHandlers.contains(c.runtimeHandler())) {
      throw invalid("runtime_handler", "unknown runtime handler \"" + c.runtimeHandler() + "\" (configured: "
          + runtimeHandlers.stream().sorted().toList() + ")");
    }
    if (c.userNamespace() != null && !userNamespaces.supports(c.runtimeHandler())) {
      throw invalid("config.linux.security_context.namespace_options.userns_options", "runtime handler \""
          + c.runtimeHandler() + "\" cannot run pods in a user namespace of their own on this node: "
          + userNamespaces.refusal(c.runtimeHandler()));
    }
  }

  private static void hostname(SandboxConfig c) {
    String h = c.hostname();
    if (h.isEmpty()) {
      return;
    }
    if (h.length() > MAX_HOSTNAME || !HOSTNAME.matcher(h).matches()) {
      throw invalid("config.hostname", "" + Inputs.quoted(h) + " is not a valid RFC 1123 host name of at most "
          + MAX_HOSTNAME + " characters");
    }
  }

  /**
   * Absolute and clean, outside the kernel's filesystems and podshim's own directories, also once
   * symlinks are resolved: conmon creates and appends to files under it.
   */
  private void logDirectory(String dir) {
    if (dir.isEmpty()) {
      return;
    }
    Inputs.path("config.log_directory", dir, Inputs.MAX_PATH_BYTES);
    if (!dir.startsWith("/")) {
      throw invalid("config.log_directory", "must be an absolute path, got " + Inputs.quoted(dir) + "");
    }
    Path p = Path.of(dir);
    if (!p.normalize().equals(p) || dir.contains("/../") || dir.endsWith("/..") || p.getNameCount() == 0) {
      throw invalid("config.log_directory", "must be a clean path without '.' or '..', got " + Inputs.quoted(dir) + "");
    }
    for (Path candidate : List.of(p, ReservedDirs.real(p))) {
      String top = candidate.getNameCount() == 0 ? "/" : "/" + candidate.getName(0);
      if (FORBIDDEN_LOG_ROOTS.contains(top)) {
        throw invalid("config.log_directory", "must not be under " + top);
      }
    }
    reserved.refuseOverlap("config.log_directory", p);
  }

  private static void dns(SandboxConfig.Dns dns) {
    for (String server : dns.servers()) {
      try {
        InetAddress.ofLiteral(server);
      } catch (IllegalArgumentException e) {
        throw invalid("config.dns_config.servers", "" + Inputs.quoted(server) + " is not an IP address");
      }
    }
    if (dns.searches().size() > MAX_DNS_SEARCHES) {
      throw invalid("config.dns_config.searches", "at most " + MAX_DNS_SEARCHES + " search domains");
    }
    words("config.dns_config.searches", dns.searches());
    words("config.dns_config.options", dns.options());
  }

  private static void words(String field, List<String> values) {
    for (String v : values) {
      if (v.length() > MAX_NAME || !DNS_WORD.matcher(v).matches()) {
        throw invalid(field, "" + Inputs.quoted(v) + " must be one word of at most " + MAX_NAME + " characters");
      }
    }
  }

  private static void portMapping(String field, PortMapping pm) {
    if (!PROTOCOLS.contains(pm.protocol())) {
      throw invalid(field + ".protocol", "must be TCP, UDP or SCTP");
    }
    if (pm.containerPort() < 0 || pm.containerPort() > 65535) {
      throw invalid(field + ".container_port", pm.containerPort() + " is out of range");
    }
    if (pm.hostPort() < 0 || pm.hostPort() > 65535) {
      throw invalid(field + ".host_port", pm.hostPort() + " is out of range");
    }
    if (!pm.hostIp().isEmpty()) {
      try {
        InetAddress.ofLiteral(pm.hostIp());
      } catch (IllegalArgumentException e) {
        throw invalid(field + ".host_ip", "" + Inputs.quoted(pm.hostIp()) + " is not an IP address");
      }
    }
  }

  private static void namespaces(SandboxConfig.NamespaceModes ns) {
    if (ns.network() != Mode.POD && ns.network() != Mode.NODE) {
      throw invalid("config.linux.security_context.namespace_options.network", "must be POD or NODE");
    }
    if (ns.ipc() != Mode.POD && ns.ipc() != Mode.NODE) {
      throw invalid("config.linux.security_context.namespace_options.ipc", "must be POD or NODE");
    }
    if (ns.pid() == Mode.TARGET && ns.targetId().isEmpty()) {
      throw invalid("config.linux.security_context.namespace_options.target_id", "is required with pid TARGET");
    }
  }


  private static CriException invalid(String field, String why) {
    return CriException.invalidArgument(field + ": " + why);
  }
}
