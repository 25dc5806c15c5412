package dev.podshim.network;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.config.CniConfig;
import dev.podshim.config.DaemonConfig;
import dev.podshim.errors.CriException;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's pod network: attaches a sandbox's network namespace to the CNI network (the
 * cluster's config, else podshim's own), detaches it again, and reports whether pods can be
 * networked at all (the CRI NetworkReady condition).
 *
 * <p>An {@link Attachment} carries everything DEL needs (the network config and result that ADD
 * used, the runtime config it injected), so the sandbox persists it and teardown works after the
 * config changed, the daemon restarted or the plugins were upgraded.
 */
public final class PodNetwork implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodNetwork.class);

  static final String IF_NAME = "eth0";
  static final String NOT_READY = "NetworkPluginNotReady";
  static final List<Duration> DEL_BACKOFF = List.of(Duration.ofMillis(100), Duration.ofMillis(400));

  // What containernetworking-plugins 1.1.1 ships; a missing one of these has a known remedy.
  private static final Set<String> DEBIAN_PLUGINS = Set.of("bandwidth", "bridge", "dhcp", "firewall", "host-device",
      "host-local", "ipvlan", "loopback", "macvlan", "portmap", "ptp", "sbr", "static", "tuning", "vlan", "vrf");

  // CNI_CONTAINERID must be alphanumeric plus '_', '.', '-' (CNI spec).
  private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

  /** The NetworkReady condition. */
  public record Readiness(boolean ready, String reason, String message) {}

  /**
   * What a sandbox asks for when it joins the pod network.
   *
   * @param netnsPath the pinned network namespace
   * @param annotations pod annotations; {@code kubernetes.io/ingress-bandwidth} and
   *     {@code kubernetes.io/egress-bandwidth} become the {@code bandwidth} capability
   * @param dns the pod's DNS config for plugins with the {@code dns} capability, or null
   */
  public record AttachRequest(String sandboxId, Path netnsPath, String podName, String podNamespace, String podUid,
      List<PortMapping> portMappings, Map<String, String> annotations, @Nullable Dns dns) {
    public AttachRequest {
      requireNonNull(sandboxId, "sandboxId");
      requireNonNull(netnsPath, "netnsPath");
      requireNonNull(podName, "podName");
      requireNonNull(podNamespace, "podNamespace");
      requireNonNull(podUid, "podUid");
      portMappings = List.copyOf(portMappings);
      annotations = Map.copyOf(annotations);
    }
  }

  /**
   * A hostPort mapping; one with {@code hostPort} 0 maps nothing.
   *
   * @param protocol TCP, UDP or SCTP (empty means TCP)
   * @param hostIp the host address to listen on, empty for all
   */
  public record PortMapping(String protocol, int containerPort, int hostPort, String hostIp) {
    public PortMapping {
      requireNonNull(protocol, "protocol");
      requireNonNull(hostIp, "hostIp");
    }
  }

  /** DNS settings for plugins that configure DNS themselves. */
  public record Dns(List<String> servers, List<String> searches, List<String> options) {
    public Dns {
      servers = List.copyOf(servers);
      searches = List.copyOf(searches);
      options = List.copyOf(options);
    }
  }

  /**
   * A sandbox's attachment to a network: the sandbox persists it (plain JSON via Jackson) and
   * hands it back to {@link #detach}.
   *
   * @param configJson the network config list ADD ran (a single-plugin config already wrapped)
   * @param resultJson the final ADD result, prevResult of DEL and CHECK
   * @param runtimeConfigJson the capability arguments ADD injected, injected again on DEL
   * @param ips the pod IPs, IPv4 first; the first one is the primary pod IP
   * @param sandboxId CNI_CONTAINERID; host-local and iptables rules are keyed by it
   * @param netnsPath CNI_NETNS at ADD time
   * @param cniArgs CNI_ARGS at ADD time, passed again on DEL (some plugins look up the pod by it)
   */
  public record Attachment(String networkName, String cniVersion, String ifName, String configJson, String resultJson,
      String runtimeConfigJson, List<String> ips, String sandboxId, String netnsPath, String cniArgs) {
    public Attachment {
      requireNonNull(networkName, "networkName");
      requireNonNull(cniVersion, "cniVersion");
      requireNonNull(ifName, "ifName");
      requireNonNull(configJson, "configJson");
      requireNonNull(resultJson, "resultJson");
      requireNonNull(runtimeConfigJson, "runtimeConfigJson");
      ips = List.copyOf(ips);
      requireNonNull(sandboxId, "sandboxId");
      requireNonNull(netnsPath, "netnsPath");
      requireNonNull(cniArgs, "cniArgs");
    }
  }

  private final NetworkConfigLoader configs;
  private final PluginInvoker invoker;
  private final CniOperations operations;
  private final CniMetrics metrics;
  private volatile String podCidr = "";
  private volatile boolean closed;

  PodNetwork(NetworkConfigLoader configs, PluginInvoker invoker, CniMetrics metrics, List<Duration> delBackoff) {
    this.configs = requireNonNull(configs, "configs");
    this.invoker = requireNonNull(invoker, "invoker");
    this.metrics = requireNonNull(metrics, "metrics");
    this.operations = new CniOperations(invoker, metrics, delBackoff);
  }

  /**
   * The node's pod network for this daemon's configuration. Writes podshim's default network
   * into {@code <root>/cni/net.d} right away when no config exists and that is enabled.
   */
  public static PodNetwork create(DaemonConfig config, MeterRegistry registry) {
    CniConfig cni = config.cni();
    Path root = config.root();
    @Nullable String defaultNetwork = cni.writeDefaultNetwork()
        ? DefaultNetwork.conflist(cni.defaultSubnet(), root.resolve("cni/ipam"))
        : null;
    CniMetrics metrics = new CniMetrics();
    metrics.bindTo(registry);
    PodNetwork network = new PodNetwork(
        new NetworkConfigLoader(cni.confDir(), root.resolve("cni/net.d"), defaultNetwork),
        new PluginInvoker(cni.binDirs(), Duration.ofSeconds(cni.pluginTimeoutSeconds())),
        metrics, DEL_BACKOFF);
    network.configs.current();
    return network;
  }

  public String podCidr() {
    return podCidr;
  }

  /**
   * Keeps kubelet's pod CIDR (comma-separated for dual stack), reported by verbose Status.
   * podshim's default network allocates from {@code cni_default_subnet}, not from this.
   */
  public void updatePodCidr(String cidrs) {
    if (!cidrs.isEmpty()) {
      for (String cidr : cidrs.split(",")) {
        validateCidr(cidr.trim());
      }
    }
    podCidr = cidrs;
  }

  /**
   * Ready when a network config loads and every plugin it names (IPAM included) is in the search
   * path; otherwise the message names what is missing. Re-reads the config directories if they
   * changed, so a config dropped in by a CNI add-on turns the node ready.
   */
  public Readiness readiness() {
    NetworkConfigLoader.Loaded loaded = configs.current();
    NetworkConfigList list = loaded.list();
    if (list == null) {
      return new Readiness(false, NOT_READY, loaded.problem());
    }
    List<String> missing = list.executables().stream().filter(type -> invoker.find(type).isEmpty()).toList();
    if (!missing.isEmpty()) {
      String hint = DEBIAN_PLUGINS.containsAll(missing) ? "; install the Debian package containernetworking-plugins" : "";
      return new Readiness(false, NOT_READY, (missing.size() == 1 ? "cni plugin " : "cni plugins ")
          + String.join(", ", missing) + " not found in " + invoker.path() + " (network " + list.name()
          + " from " + loaded.file() + ")" + hint);
    }
    return new Readiness(true, "", "");
  }

  /**
   * Runs CNI ADD for the sandbox's network namespace on the current network. On failure nothing
   * is left behind (DEL has run) and the error says which plugin failed and why.
   *
   * @throws CriException INVALID_ARGUMENT for a bad request (port mapping, bandwidth annotation),
   *     UNAVAILABLE when the network is not ready, INTERNAL or DEADLINE_EXCEEDED when a plugin
   *     fails or hangs
   */
  public Attachment attach(AttachRequest request) {
    requireNonNull(request, "request");
    if (closed) {
      throw new CriException(CriException.Kind.UNAVAILABLE, "pod network is shut down");
    }
    validate(request);
    String id = request.sandboxId();
    String cniArgs = cniArgs(request);
    ObjectNode capabilityArgs = capabilityArgs(request);
    NetworkConfigLoader.Loaded loaded = configs.current();
    NetworkConfigList list = loaded.list();
    if (list == null) {
      throw new CriException(CriException.Kind.UNAVAILABLE, "attach sandbox " + id + ": pod network not ready: " + loaded.problem());
    }
    PluginInvoker.Params params = new PluginInvoker.Params(id, request.netnsPath().toString(), IF_NAME, cniArgs);
    long start = System.nanoTime();
    CniOperations.Added added;
    try {
      added = operations.add(list, params, capabilityArgs);
    } catch (CriException e) {
      throw new CriException(e.kind(), "attach sandbox " + id + " to network " + list.name() + ": " + e.getMessage()
          + DefaultNetwork.hintFor(list, e.getMessage()), e);
    }
    Attachment attachment = new Attachment(list.name(), list.cniVersion(), IF_NAME, list.json(), Json.write(added.result()),
        Json.write(capabilityArgs), added.ips(), id, request.netnsPath().toString(), cniArgs);
    metrics.attached(key(attachment), attachment.ips().size());
    LOG.atInfo().addKeyValue("sandbox_id", id).addKeyValue("network", list.name())
        .addKeyValue("ips", String.join(",", added.ips()))
        .addKeyValue("duration_ms", String.format("%.1f", (System.nanoTime() - start) / 1e6))
        .log("attached sandbox to pod network");
    return attachment;
  }

  /**
   * Runs CNI DEL with exactly what ADD used. Idempotent. When the network namespace is gone, the
   * plugins still run (with an empty CNI_NETNS) so that IPAM releases the IP. Failures are retried
   * with backoff and then thrown with every attempt's error.
   */
  public void detach(Attachment attachment) {
    requireNonNull(attachment, "attachment");
    String what = "detach sandbox " + attachment.sandboxId() + " from network " + attachment.networkName();
    NetworkConfigList list;
    ObjectNode capabilityArgs;
    @Nullable JsonNode result;
    try {
      list = NetworkConfigList.parse(attachment.configJson());
      capabilityArgs = attachment.runtimeConfigJson().isBlank()
          ? Json.MAPPER.createObjectNode()
          : Json.object(attachment.runtimeConfigJson(), "cached runtime config");
      result = attachment.resultJson().isBlank() ? null : Json.object(attachment.resultJson(), "cached result");
    } catch (IllegalArgumentException e) {
      throw CriException.internal(what + ": cached attachment unreadable: " + e.getMessage(), e);
    }
    del(what, list, new PluginInvoker.Params(attachment.sandboxId(), Netns.forTeardown(attachment.netnsPath()),
        attachment.ifName(), attachment.cniArgs()), capabilityArgs, result);
    metrics.detached(key(attachment));
  }

  /**
   * DEL for a sandbox whose {@link Attachment} was never persisted (the daemon died between ADD
   * and the state write, say): runs DEL with the current network config and the capability
   * arguments the request implies, without a cached result, as libcni does when its cache is
   * missing. Idempotent; a sandbox that never got an IP passes. Plugins a dead daemon left running
   * for this sandbox are killed first, so that their ADD cannot finish after this DEL.
   */
  public void detachUnrecorded(AttachRequest request) {
    requireNonNull(request, "request");
    validate(request);
    String id = request.sandboxId();
    NetworkConfigLoader.Loaded loaded = configs.current();
    NetworkConfigList list = loaded.list();
    if (list == null) {
      throw new CriException(CriException.Kind.UNAVAILABLE, "detach sandbox " + id + ": pod network not ready: " + loaded.problem());
    }
    String what = "detach sandbox " + id + " from network " + list.name();
    StrayPlugins.kill(id);
    del(what, list, new PluginInvoker.Params(id, Netns.forTeardown(request.netnsPath().toString()), IF_NAME,
        cniArgs(request)), capabilityArgs(request), null);
    metrics.detached(key(id, list.name(), IF_NAME));
  }

  private void del(String what, NetworkConfigList list, PluginInvoker.Params params, ObjectNode capabilityArgs,
      @Nullable JsonNode result) {
    long start = System.nanoTime();
    try {
      operations.del(list, params, capabilityArgs, result);
    } catch (CriException e) {
      throw new CriException(e.kind(), what + ": " + e.getMessage(), e);
    }
    LOG.atInfo().addKeyValue("sandbox_id", params.containerId()).addKeyValue("network", list.name())
        .addKeyValue("duration_ms", String.format("%.1f", (System.nanoTime() - start) / 1e6))
        .log("detached sandbox from pod network");
  }

  /**
   * Runs CNI CHECK: whether the attachment is still as ADD left it. Networks before CNI 0.4.0 or
   * with {@code disableCheck} always pass.
   */
  public void check(Attachment attachment) {
    requireNonNull(attachment, "attachment");
    String what = "check sandbox " + attachment.sandboxId() + " on network " + attachment.networkName();
    try {
      NetworkConfigList list = NetworkConfigList.parse(attachment.configJson());
      ObjectNode capabilityArgs = attachment.runtimeConfigJson().isBlank()
          ? Json.MAPPER.createObjectNode()
          : Json.object(attachment.runtimeConfigJson(), "cached runtime config");
      operations.check(list, new PluginInvoker.Params(attachment.sandboxId(), attachment.netnsPath(),
          attachment.ifName(), attachment.cniArgs()), capabilityArgs, Json.object(attachment.resultJson(), "cached result"));
    } catch (IllegalArgumentException e) {
      throw CriException.internal(what + ": cached attachment unreadable: " + e.getMessage(), e);
    } catch (CriException e) {
      throw new CriException(e.kind(), what + ": " + e.getMessage(), e);
    }
  }

  /** After recovery: the attachments of the sandboxes that still hold their IPs, for the IP gauge. */
  public void recovered(Collection<Attachment> attachments) {
    Map<String, Integer> ips = new HashMap<>();
    for (Attachment a : attachments) {
      ips.put(key(a), a.ips().size());
    }
    metrics.replaceAll(ips);
  }

  /** Refuses new attachments; detaching still works so that shutdown can tear down. */
  @Override
  public void close() {
    closed = true;
  }

  private static String key(Attachment a) {
    return key(a.sandboxId(), a.networkName(), a.ifName());
  }

  private static String key(String sandboxId, String network, String ifName) {
    return sandboxId + "/" + network + "/" + ifName;
  }

  private static void validate(AttachRequest request) {
    String id = request.sandboxId();
    if (!CONTAINER_ID.matcher(id).matches()) {
      throw CriException.invalidArgument("sandbox id \"" + id + "\" is not a valid CNI container id");
    }
    if (!request.netnsPath().isAbsolute()) {
      throw CriException.invalidArgument("sandbox " + id + ": netns path " + request.netnsPath() + " is not absolute");
    }
  }

  private static ObjectNode capabilityArgs(AttachRequest request) {
    try {
      return CapabilityArgs.of(request);
    } catch (CriException e) {
      throw new CriException(e.kind(), "sandbox " + request.sandboxId() + ": " + e.getMessage(), e);
    }
  }

  private static String cniArgs(AttachRequest r) {
    String args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + r.podNamespace() + ";K8S_POD_NAME=" + r.podName()
        + ";K8S_POD_INFRA_CONTAINER_ID=" + r.sandboxId() + ";K8S_POD_UID=" + r.podUid();
    for (String value : List.of(r.podNamespace(), r.podName(), r.podUid())) {
      if (value.contains(";") || value.contains("=")) {
        throw CriException.invalidArgument("sandbox " + r.sandboxId() + ": \"" + value
            + "\" cannot be passed in CNI_ARGS (contains ';' or '=')");
      }
    }
    return args;
  }

  private static void validateCidr(String cidr) {
    int slash = cidr.indexOf('/');
    try {
      if (slash <= 0) {
        throw new IllegalArgumentException("missing prefix length");
      }
      InetAddress address = InetAddress.ofLiteral(cidr.substring(0, slash));
      int bits = Integer.parseInt(cidr.substring(slash + 1));
      if (bits < 0 || bits > address.getAddress().length * 8) {
        throw new IllegalArgumentException("prefix length out of range");
      }
    } catch (IllegalArgumentException e) {
      throw CriException.invalidArgument("runtime_config.network_config.pod_cidr: " + dev.podshim.errors.Inputs.quoted(cidr)
          + " is not a CIDR");
    }
  }
}
