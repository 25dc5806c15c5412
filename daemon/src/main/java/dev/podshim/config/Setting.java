package dev.podshim.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * One configurable value: its TOML key, its command-line flag, and how a raw string is checked.
 * The file and the flags go through the same parser, so they can never disagree on what is valid.
 */
enum Setting {
  SOCKET("socket", "absolute path of the CRI unix socket"),
  ROOT("root", "absolute path of the state root"),
  METRICS_ADDRESS("metrics_address", "host:port of the Prometheus endpoint, empty to disable it"),
  LOG_LEVEL("log_level", "trace, debug, info, warn or error"),
  CGROUP_DRIVER("cgroup_driver", "cgroupfs or systemd"),
  OCI_RUNTIME("oci_runtime", "absolute path of the OCI runtime (runc or crun)"),
  DEFAULT_RUNTIME("default_runtime", "runtime handler a pod with no RuntimeClass gets: runc, or a [runtimes] name"),
  STOP_TIMEOUT_SECONDS("stop_timeout_seconds", "seconds StopPodSandbox waits after SIGTERM before SIGKILL (0-3600)"),
  CNI_CONF_DIR("cni_conf_dir", "directory of the cluster's CNI network configs; its lexically first config wins"),
  CNI_BIN_DIRS("cni_bin_dirs", "colon-separated CNI plugin search path"),
  CNI_DEFAULT_NETWORK("cni_default_network", "true to write podshim's bridge network when no CNI config exists"),
  CNI_DEFAULT_SUBNET("cni_default_subnet", "IPv4 subnet of podshim's default bridge network"),
  CNI_PLUGIN_TIMEOUT_SECONDS("cni_plugin_timeout_seconds", "seconds a CNI plugin may run before it is killed (1-3600)"),
  STREAM_ADDRESS("stream_address", "IP address of the Exec/Attach/PortForward streaming server"),
  STREAM_PORT("stream_port", "TCP port of the streaming server, 0 for a free one chosen at start"),
  STREAM_TLS_CERT("stream_tls_cert", "PEM certificate chain: with stream_tls_key, the streaming server speaks HTTPS"),
  STREAM_TLS_KEY("stream_tls_key", "PEM private key of stream_tls_cert"),
  STREAM_MAX_SESSIONS("stream_max_sessions", "streaming sessions allowed at once (1-100000)"),
  CDI_SPEC_DIRS("cdi_spec_dirs", "colon-separated CDI spec directories (a TOML array too); a later one wins");

  private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  private final String key;
  private final String help;

  Setting(String key, String help) {
    this.key = key;
    this.help = help;
  }

  /** The TOML key, e.g. {@code metrics_address}. */
  String key() {
    return key;
  }

  /** The command-line flag, e.g. {@code --metrics-address}. */
  String flag() {
    return "--" + key.replace('_', '-');
  }

  String help() {
    return help;
  }

  /** Checks a raw value and returns it in the type {@link DaemonConfig} holds. */
  Object parse(String value) {
    return switch (this) {
      case SOCKET, ROOT, OCI_RUNTIME, CNI_CONF_DIR, STREAM_TLS_CERT, STREAM_TLS_KEY -> absolutePath(value);
      case STREAM_ADDRESS -> ipAddress(value);
      case STREAM_PORT -> number(value, 0, 65535);
      case STREAM_MAX_SESSIONS -> number(value, 1, 100_000);
      case CNI_BIN_DIRS, CDI_SPEC_DIRS -> pathList(value);
      case CNI_DEFAULT_NETWORK -> bool(value);
      case CNI_DEFAULT_SUBNET -> cidr(value);
      case CNI_PLUGIN_TIMEOUT_SECONDS -> positiveSeconds(value);
      case METRICS_ADDRESS -> hostPort(value);
      case LOG_LEVEL -> logLevel(value);
      case CGROUP_DRIVER -> CgroupDriver.parse(key, value);
      case DEFAULT_RUNTIME -> handlerName(value);
      case STOP_TIMEOUT_SECONDS -> seconds(value);
    };
  }

  /** Whether the TOML file may give the value as an array of strings. */
  boolean isList() {
    return this == CNI_BIN_DIRS || this == CDI_SPEC_DIRS;
  }

  static Setting byKey(String key) {
    for (Setting s : values()) {
      if (s.key.equals(key)) {
        return s;
      }
    }
    throw new ConfigException("unknown config key \"" + key + "\"");
  }

  static Setting byFlag(String flag) {
    for (Setting s : values()) {
      if (s.flag().equals(flag)) {
        return s;
      }
    }
    throw new ConfigException("unknown flag \"" + flag + "\"");
  }

  private Path absolutePath(String v) {
    if (!v.startsWith("/")) {
      throw new ConfigException(key + ": must be an absolute path, got \"" + v + "\"");
    }
    Path p = Path.of(v);
    if (!p.normalize().equals(p)) {
      throw new ConfigException(key + ": must be a clean path without '.' or '..', got \"" + v + "\"");
    }
    return p;
  }

  private java.util.List<Path> pathList(String v) {
    java.util.List<Path> paths = new java.util.ArrayList<>();
    for (String part : v.split(":")) {
      if (!part.isEmpty()) {
        paths.add(absolutePath(part));
      }
    }
    if (paths.isEmpty()) {
      throw new ConfigException(key + ": needs at least one directory");
    }
    return java.util.List.copyOf(paths);
  }

  private String handlerName(String v) {
    if (!RuntimesTable.NAME.matcher(v).matches()) {
      throw new ConfigException(key + ": a runtime handler name is a DNS label (lower case, digits, '-'), got \"" + v + "\"");
    }
    return v;
  }

  private Boolean bool(String v) {
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(key + ": expected true or false, got \"" + v + "\"");
    };
  }

  private String cidr(String v) {
    int slash = v.indexOf('/');
    try {
      if (slash <= 0) {
        throw new IllegalArgumentException();
      }
      java.net.InetAddress address = java.net.InetAddress.ofLiteral(v.substring(0, slash));
      int bits = Integer.parseInt(v.substring(slash + 1));
      if (!(address instanceof java.net.Inet4Address) || bits < 8 || bits > 30) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + ": expected an IPv4 CIDR with a prefix of 8-30 bits, got \"" + v + "\"");
    }
    return v;
  }

  private Integer positiveSeconds(String v) {
    int seconds = seconds(v);
    if (seconds < 1) {
      throw new ConfigException(key + ": must be at least 1");
    }
    return seconds;
  }

  private String hostPort(String v) {
    if (v.isEmpty()) {
      return v;
    }
    int colon = v.lastIndexOf(':');
    if (colon <= 0) {
      throw new ConfigException(key + ": expected host:port, got \"" + v + "\"");
    }
    int port;
    try {
      port = Integer.parseInt(v.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new ConfigException(key + ": port is not a number in \"" + v + "\"");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException(key + ": port " + port + " is out of range in \"" + v + "\"");
    }
    return v;
  }

  private String logLevel(String v) {
    String level = v.toLowerCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(level)) {
      throw new ConfigException(key + ": unknown log level \"" + v + "\" (expected trace, debug, info, warn or error)");
    }
    return level;
  }

  private String ipAddress(String v) {
    try {
      return java.net.InetAddress.ofLiteral(v).getHostAddress();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + ": expected an IP address, got \"" + v + "\"");
    }
  }

  private Integer number(String v, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + ": not a number: \"" + v + "\"");
    }
    if (n < min || n > max) {
      throw new ConfigException(key + ": " + n + " is out of range " + min + "-" + max);
    }
    return n;
  }

  private Integer seconds(String v) {
    int seconds;
    try {
      seconds = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + ": not a number: \"" + v + "\"");
    }
    if (seconds < 0 || seconds > 3600) {
      throw new ConfigException(key + ": " + seconds + " is out of range 0-3600");
    }
    return seconds;
  }
}
