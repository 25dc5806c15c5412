package dev.podshim.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the daemon reads at start-up, after the built-in defaults, the TOML file and the
 * command-line flags were merged and validated.
 *
 * @param socket the CRI unix socket
 * @param root the state root, where sandboxes and containers are persisted
 * @param metricsAddress host:port of the Prometheus endpoint; empty to disable it
 * @param logLevel logback level name
 * @param cgroupDriver how pod cgroup parents are spelled
 * @param ociRuntime path of the OCI runtime binary (runc by default)
 * @param stopTimeoutSeconds how long StopPodSandbox waits for pause after SIGTERM before SIGKILL
 * @param cni where CNI configs and plugins are, and podshim's default network
 * @param registry mirrors, insecure registries and credentials for image pulls
 * @param runtimes OCI runtime handlers by name ({@code [runtimes.NAME] path = ...}), besides
 *     {@code runc} at {@code ociRuntime}; an entry named runc replaces that one
 * @param streaming the streaming server of Exec, Attach and PortForward
 * @param defaultRuntime the handler kubelet's empty {@code runtime_handler} means, one of {@link
 *     #runtimeHandlers()}
 * @param cdiSpecDirs where CDI spec files are read from, lowest priority first (a device defined
 *     in a later directory wins)
 */
public record DaemonConfig(
    Path socket,
    Path root,
    String metricsAddress,
    String logLevel,
    CgroupDriver cgroupDriver,
    Path ociRuntime,
    int stopTimeoutSeconds,
    CniConfig cni,
    RegistryConfig registry,
    Map<String, Path> runtimes,
    StreamingConfig streaming,
    String defaultRuntime,
    List<Path> cdiSpecDirs) {
  /** The CDI spec's directories: static specs, then generated ones. */
  public static final List<Path> DEFAULT_CDI_SPEC_DIRS = List.of(Path.of("/etc/cdi"), Path.of("/var/run/cdi"));

  public DaemonConfig {
    requireNonNull(socket, "socket");
    requireNonNull(root, "root");
    requireNonNull(metricsAddress, "metricsAddress");
    requireNonNull(logLevel, "logLevel");
    requireNonNull(cgroupDriver, "cgroupDriver");
    requireNonNull(ociRuntime, "ociRuntime");
    requireNonNull(cni, "cni");
    requireNonNull(registry, "registry");
    runtimes = Map.copyOf(new TreeMap<>(runtimes));
    requireNonNull(streaming, "streaming");
    requireNonNull(defaultRuntime, "defaultRuntime");
    cdiSpecDirs = List.copyOf(cdiSpecDirs);
    if (!runtimes.containsKey(defaultRuntime) && !defaultRuntime.equals("runc")) {
      throw new ConfigException("default_runtime: \"" + defaultRuntime + "\" is not a configured runtime handler (known: "
          + String.join(", ", new TreeMap<>(runtimeHandlers(runtimes, ociRuntime)).keySet()) + ")");
    }
  }

  /** The default CDI spec directories. */
  public DaemonConfig(Path socket, Path root, String metricsAddress, String logLevel, CgroupDriver cgroupDriver,
      Path ociRuntime, int stopTimeoutSeconds, CniConfig cni, RegistryConfig registry, Map<String, Path> runtimes,
      StreamingConfig streaming, String defaultRuntime) {
    this(socket, root, metricsAddress, logLevel, cgroupDriver, ociRuntime, stopTimeoutSeconds, cni, registry,
        runtimes, streaming, defaultRuntime, DEFAULT_CDI_SPEC_DIRS);
  }

  /** This config with other CDI spec directories. */
  public DaemonConfig withCdiSpecDirs(List<Path> dirs) {
    return new DaemonConfig(socket, root, metricsAddress, logLevel, cgroupDriver, ociRuntime, stopTimeoutSeconds, cni,
        registry, runtimes, streaming, defaultRuntime, dirs);
  }

  /** runc and the default streaming server. */
  public DaemonConfig(Path socket, Path root, String metricsAddress, String logLevel, CgroupDriver cgroupDriver,
      Path ociRuntime, int stopTimeoutSeconds, CniConfig cni, RegistryConfig registry, Map<String, Path> runtimes,
      StreamingConfig streaming) {
    this(socket, root, metricsAddress, logLevel, cgroupDriver, ociRuntime, stopTimeoutSeconds, cni, registry,
        runtimes, streaming, "runc");
  }

  /** The default streaming server. */
  public DaemonConfig(Path socket, Path root, String metricsAddress, String logLevel, CgroupDriver cgroupDriver,
      Path ociRuntime, int stopTimeoutSeconds, CniConfig cni, RegistryConfig registry, Map<String, Path> runtimes) {
    this(socket, root, metricsAddress, logLevel, cgroupDriver, ociRuntime, stopTimeoutSeconds, cni, registry,
        runtimes, StreamingConfig.defaults());
  }

  /** Only the default runc handler. */
  public DaemonConfig(Path socket, Path root, String metricsAddress, String logLevel, CgroupDriver cgroupDriver,
      Path ociRuntime, int stopTimeoutSeconds, CniConfig cni, RegistryConfig registry) {
    this(socket, root, metricsAddress, logLevel, cgroupDriver, ociRuntime, stopTimeoutSeconds, cni, registry,
        Map.of());
  }

  /** Every runtime handler by name, runc included. */
  public Map<String, Path> runtimeHandlers() {
    return runtimeHandlers(runtimes, ociRuntime);
  }

  private static Map<String, Path> runtimeHandlers(Map<String, Path> runtimes, Path ociRuntime) {
    Map<String, Path> all = new TreeMap<>(runtimes);
    all.putIfAbsent("runc", ociRuntime);
    return all;
  }

  public static DaemonConfig defaults() {
    return new DaemonConfig(
        Path.of("/run/podshim/podshim.sock"),
        Path.of("/var/lib/podshim"),
        "127.0.0.1:9327",
        "info",
        CgroupDriver.CGROUPFS,
        Path.of("/usr/bin/runc"),
        10,
        CniConfig.defaults(),
        RegistryConfig.empty());
  }
}
