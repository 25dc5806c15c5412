package dev.podshim.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Builds the {@link DaemonConfig}: built-in defaults, then the TOML file ({@code --config}, or
 * {@value #DEFAULT_FILE} when it exists), then the flags. Any unknown key or bad value stops
 * start-up with a {@link ConfigException} naming it.
 */
public final class ConfigLoader {
  public static final String DEFAULT_FILE = "/etc/podshim/podshim.toml";

  private final Path defaultFile;
  private final NodeDefaults node;

  public ConfigLoader() {
    this(Path.of(DEFAULT_FILE), NodeDefaults.read());
  }

  ConfigLoader(Path defaultFile) {
    this(defaultFile, NodeDefaults.read());
  }

  /** @param node what the defaults of the cgroup driver and the runtime handlers follow */
  ConfigLoader(Path defaultFile, NodeDefaults node) {
    this.defaultFile = defaultFile;
    this.node = node;
  }

  /** Parses {@code --flag value} / {@code --flag=value} arguments; {@code --config FILE} names the file. */
  public DaemonConfig load(List<String> args) {
    Map<Setting, Object> values = new EnumMap<>(Setting.class);
    RegistryConfig[] registry = {RegistryConfig.empty()};
    Map<String, Path> runtimes = new java.util.TreeMap<>();
    Map<Setting, String> flags = new EnumMap<>(Setting.class);
    @Nullable Path file = null;
    boolean fileRequired = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else {
        if (i + 1 >= args.size()) {
          throw new ConfigException(arg + ": missing value");
        }
        value = args.get(++i);
      }
      if (name.equals("--config")) {
        file = Path.of(value);
        fileRequired = true;
      } else {
        flags.put(Setting.byFlag(name), value);
      }
    }
    if (file == null) {
      file = defaultFile;
    }
    if (fileRequired || Files.exists(file)) {
      readFile(file, values, registry, runtimes);
    }
    flags.forEach((setting, raw) -> values.put(setting, setting.parse(raw)));
    return build(values, registry[0], node.runtimes(runtimes), node);
  }

  private static void readFile(Path file, Map<Setting, Object> values, RegistryConfig[] registry,
      Map<String, Path> runtimes) {
    JsonNode root;
    try {
      root = new TomlMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("config file " + file + ": " + e.getMessage());
    }
    if (root == null) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (entry.getKey().equals("registry")) {
        try {
          registry[0] = RegistryConfig.parse(entry.getValue());
        } catch (ConfigException e) {
          throw new ConfigException("config file " + file + ": " + e.getMessage());
        }
        continue;
      }
      if (entry.getKey().equals("runtimes")) {
        try {
          runtimes.putAll(RuntimesTable.parse(entry.getValue()));
        } catch (ConfigException e) {
          throw new ConfigException("config file " + file + ": " + e.getMessage());
        }
        continue;
      }
      Setting setting;
      try {
        setting = Setting.byKey(entry.getKey());
      } catch (ConfigException e) {
        throw new ConfigException("config file " + file + ": " + e.getMessage());
      }
      JsonNode node = entry.getValue();
      if (node.isArray() && setting.isList()) {
        List<String> parts = new ArrayList<>();
        node.forEach(part -> parts.add(part.asText()));
        values.put(setting, setting.parse(String.join(":", parts)));
        continue;
      }
      if (node.isContainerNode()) {
        throw new ConfigException("config file " + file + ": " + setting.key() + ": expected a single value");
      }
      values.put(setting, setting.parse(node.asText()));
    }
  }

  @SuppressWarnings("unchecked")
  private static DaemonConfig build(Map<Setting, Object> values, RegistryConfig registry, Map<String, Path> runtimes,
      NodeDefaults node) {
    DaemonConfig d = DaemonConfig.defaults();
    CniConfig c = d.cni();
    StreamingConfig s = d.streaming();
    return new DaemonConfig(
        (Path) values.getOrDefault(Setting.SOCKET, d.socket()),
        (Path) values.getOrDefault(Setting.ROOT, d.root()),
        (String) values.getOrDefault(Setting.METRICS_ADDRESS, d.metricsAddress()),
        (String) values.getOrDefault(Setting.LOG_LEVEL, d.logLevel()),
        (CgroupDriver) values.getOrDefault(Setting.CGROUP_DRIVER, node.cgroupDriver()),
        (Path) values.getOrDefault(Setting.OCI_RUNTIME, d.ociRuntime()),
        (Integer) values.getOrDefault(Setting.STOP_TIMEOUT_SECONDS, d.stopTimeoutSeconds()),
        new CniConfig(
            (Path) values.getOrDefault(Setting.CNI_CONF_DIR, c.confDir()),
            (List<Path>) values.getOrDefault(Setting.CNI_BIN_DIRS, c.binDirs()),
            (Boolean) values.getOrDefault(Setting.CNI_DEFAULT_NETWORK, c.writeDefaultNetwork()),
            (String) values.getOrDefault(Setting.CNI_DEFAULT_SUBNET, c.defaultSubnet()),
            (Integer) values.getOrDefault(Setting.CNI_PLUGIN_TIMEOUT_SECONDS, c.pluginTimeoutSeconds())),
        registry,
        runtimes,
        new StreamingConfig(
            (String) values.getOrDefault(Setting.STREAM_ADDRESS, s.address()),
            (Integer) values.getOrDefault(Setting.STREAM_PORT, s.port()),
            (Path) values.getOrDefault(Setting.STREAM_TLS_CERT, s.tlsCert()),
            (Path) values.getOrDefault(Setting.STREAM_TLS_KEY, s.tlsKey()),
            (Integer) values.getOrDefault(Setting.STREAM_MAX_SESSIONS, s.maxSessions()),
            s.tokenTtl()),
        (String) values.getOrDefault(Setting.DEFAULT_RUNTIME, node.defaultRuntime(runtimes)),
        (List<Path>) values.getOrDefault(Setting.CDI_SPEC_DIRS, DaemonConfig.DEFAULT_CDI_SPEC_DIRS));
  }

  /** One line per setting, for {@code --help}. */
  public static String usage() {
    List<String> lines = new ArrayList<>();
    lines.add("usage: podshimd [--config FILE] [flags]   (file default " + DEFAULT_FILE + ")");
    DaemonConfig d = DaemonConfig.defaults();
    for (Setting s : Setting.values()) {
      lines.add(String.format("  %-24s %s (TOML key %s)", s.flag(), s.help(), s.key()));
    }
    lines.add("defaults: " + d);
    return String.join("\n", lines);
  }
}
