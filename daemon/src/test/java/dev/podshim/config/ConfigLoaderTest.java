package dev.podshim.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @TempDir Path dir;

  private ConfigLoader loader() {
    return new ConfigLoader(dir.resolve("absent.toml"));
  }

  @Test
  void builtInDefaultsWithoutFileOrFlags() {
    DaemonConfig c = loader().load(List.of());
    assertThat(c).isEqualTo(DaemonConfig.defaults());
    assertThat(c.socket()).isEqualTo(Path.of("/run/podshim/podshim.sock"));
    assertThat(c.root()).isEqualTo(Path.of("/var/lib/podshim"));
    assertThat(c.metricsAddress()).startsWith("127.0.0.1:");
  }

  @Test
  void fileValuesApplyAndFlagsOverrideThem() throws Exception {
    Path file = dir.resolve("podshim.toml");
    Files.writeString(file, """
        socket = "/tmp/x.sock"
        root = "/tmp/state"
        log_level = "debug"
        cgroup_driver = "systemd"
        stop_timeout_seconds = 3
        cni_default_network = false
        cni_bin_dirs = "/a:/b"
        """);
    DaemonConfig c = loader().load(List.of("--config", file.toString(), "--root=/tmp/other", "--log-level", "warn"));
    assertThat(c.socket()).isEqualTo(Path.of("/tmp/x.sock"));
    assertThat(c.root()).isEqualTo(Path.of("/tmp/other"));
    assertThat(c.logLevel()).isEqualTo("warn");
    assertThat(c.cgroupDriver()).isEqualTo(CgroupDriver.SYSTEMD);
    assertThat(c.stopTimeoutSeconds()).isEqualTo(3);
    assertThat(c.cni().writeDefaultNetwork()).isFalse();
    assertThat(c.cni().binDirs()).containsExactly(Path.of("/a"), Path.of("/b"));
  }

  @Test
  void runtimeHandlersComeFromTheRuntimesTable() throws Exception {
    Path file = dir.resolve("runtimes.toml");
    Files.writeString(file, """
        oci_runtime = "/usr/sbin/runc"
        [runtimes.crun]
        path = "/usr/bin/crun"
        """);
    DaemonConfig c = loader().load(List.of("--config", file.toString()));
    assertThat(c.runtimeHandlers()).containsExactly(
        java.util.Map.entry("crun", Path.of("/usr/bin/crun")), java.util.Map.entry("runc", Path.of("/usr/sbin/runc")));
    assertThat(DaemonConfig.defaults().runtimeHandlers()).containsOnlyKeys("runc");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "[runtimes.Bad_Name]\npath = \"/usr/bin/crun\"\n",
      "[runtimes.crun]\npath = \"crun\"\n",
      "[runtimes.crun]\nbinary = \"/usr/bin/crun\"\n",
      "runtimes = 3\n"})
  void badRuntimesTablesStopStartUp(String toml) throws Exception {
    Path file = dir.resolve("bad.toml");
    Files.writeString(file, toml);
    assertThatThrownBy(() -> loader().load(List.of("--config", file.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("runtimes");
  }

  @Test
  void theDefaultFileIsReadWhenPresent() throws Exception {
    Path file = dir.resolve("default.toml");
    Files.writeString(file, "metrics_address = \"\"\n");
    assertThat(new ConfigLoader(file).load(List.of()).metricsAddress()).isEmpty();
  }

  @Test
  void streamingSettingsComeFromFlagsAndTheFile() throws Exception {
    Path file = dir.resolve("stream.toml");
    Files.writeString(file, "stream_tls_cert = \"/etc/podshim/s.crt\"\nstream_tls_key = \"/etc/podshim/s.key\"\n");
    StreamingConfig streaming = loader().load(List.of("--config", file.toString(), "--stream-address", "::1",
        "--stream-port", "10010", "--stream-max-sessions", "7")).streaming();
    assertThat(streaming).isEqualTo(new StreamingConfig("0:0:0:0:0:0:0:1", 10010, Path.of("/etc/podshim/s.crt"),
        Path.of("/etc/podshim/s.key"), 7, StreamingConfig.DEFAULT_TOKEN_TTL));
  }

  @Test
  void cdiSpecDirsDefaultToTheCdiSpecsAndComeAsAnArrayAStringOrAFlag() throws Exception {
    assertThat(loader().load(List.of()).cdiSpecDirs()).containsExactly(Path.of("/etc/cdi"), Path.of("/var/run/cdi"));
    Path file = dir.resolve("cdi.toml");
    Files.writeString(file, "cdi_spec_dirs = [\"/opt/cdi\", \"/run/cdi\"]\n");
    assertThat(loader().load(List.of("--config", file.toString())).cdiSpecDirs())
        .containsExactly(Path.of("/opt/cdi"), Path.of("/run/cdi"));
    Files.writeString(file, "cdi_spec_dirs = \"/a:/b\"\n");
    assertThat(loader().load(List.of("--config", file.toString())).cdiSpecDirs())
        .containsExactly(Path.of("/a"), Path.of("/b"));
    assertThat(loader().load(List.of("--config", file.toString(), "--cdi-spec-dirs", "/c")).cdiSpecDirs())
        .containsExactly(Path.of("/c"));
  }

  @Test
  void theShippedDefaultConfigMatchesTheBuiltInDefaults() {
    Path shipped = Path.of(System.getProperty("user.dir")).resolveSibling("systemd/podshim.toml");
    assertThat(loader().load(List.of("--config", shipped.toString()))).isEqualTo(DaemonConfig.defaults());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "colour = \"blue\"|unknown config key \"colour\"",
      "root = \"relative/path\"|root: must be an absolute path",
      "root = \"/a/../b\"|root: must be a clean path",
      "log_level = \"loud\"|log_level: unknown log level",
      "cgroup_driver = \"magic\"|cgroup_driver: unknown cgroup driver",
      "metrics_address = \"nohost\"|metrics_address: expected host:port",
      "metrics_address = \"h:99999\"|metrics_address: port 99999 is out of range",
      "stop_timeout_seconds = -1|stop_timeout_seconds: -1 is out of range",
      "stop_timeout_seconds = \"soon\"|stop_timeout_seconds: not a number",
      "cni_default_network = \"maybe\"|cni_default_network: expected true or false",
      "cni_default_subnet = \"10.0.0.0/33\"|cni_default_subnet: expected an IPv4 CIDR",
      "socket = [\"a\"]|socket: expected a single value",
      "cdi_spec_dirs = [\"etc/cdi\"]|cdi_spec_dirs: must be an absolute path",
      "cdi_spec_dirs = []|cdi_spec_dirs: needs at least one directory",
      "stream_address = \"localhost\"|stream_address: expected an IP address",
      "stream_port = 65536|stream_port: 65536 is out of range 0-65535",
      "stream_max_sessions = 0|stream_max_sessions: 0 is out of range",
      "stream_tls_cert = \"/etc/podshim/stream.crt\"|stream_tls_cert and stream_tls_key: give both or neither",
      "root = |config file"})
  void badFileValuesStopStartUpNamingTheKey(String line, String message) throws Exception {
    Path file = dir.resolve("bad.toml");
    Files.writeString(file, line + "\n");
    assertThatThrownBy(() -> loader().load(List.of("--config", file.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void badFlagsStopStartUpNamingTheFlag() {
    assertThatThrownBy(() -> loader().load(List.of("--colour", "blue")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown flag \"--colour\"");
    assertThatThrownBy(() -> loader().load(List.of("--root")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--root: missing value");
    assertThatThrownBy(() -> loader().load(List.of("--cgroup-driver=weird")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cgroup_driver");
  }

  @Test
  void anExplicitConfigFileMustExist() {
    assertThatThrownBy(() -> loader().load(List.of("--config", dir.resolve("nope.toml").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("nope.toml");
  }
}
