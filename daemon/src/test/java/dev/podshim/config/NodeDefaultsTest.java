package dev.podshim.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeDefaultsTest {
  private static final Path CRUN = Path.of("/usr/bin/crun");

  @ParameterizedTest
  @CsvSource({
      // systemd, v2, crun -> driver, default handler, handlers
      "true,  true,  true,  systemd,  crun, 'crun,runc'",
      "true,  true,  false, systemd,  runc, runc",
      "false, true,  true,  cgroupfs, crun, 'crun,runc'",
      "true,  false, true,  cgroupfs, runc, runc",
      "false, false, false, cgroupfs, runc, runc"})
  void theDefaultsFollowTheNode(boolean systemd, boolean v2, boolean crun, String driver, String handler,
      String handlers, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("podshim.toml");
    Files.writeString(file, "log_level = \"info\"\n");
    NodeDefaults node = new NodeDefaults(systemd, v2, crun ? Optional.of(CRUN) : Optional.empty());
    DaemonConfig config = new ConfigLoader(file, node).load(java.util.List.of("--config", file.toString()));
    assertThat(config.cgroupDriver().configName()).isEqualTo(driver);
    assertThat(config.defaultRuntime()).isEqualTo(handler);
    assertThat(String.join(",", config.runtimeHandlers().keySet())).isEqualTo(handlers);
  }

  @Test
  void theFileWinsOverTheNode(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("podshim.toml");
    Files.writeString(file, """
        cgroup_driver = "cgroupfs"
        default_runtime = "runc"
        [runtimes.crun]
        path = "/opt/crun"
        """);
    NodeDefaults node = new NodeDefaults(true, true, Optional.of(CRUN));
    DaemonConfig config = new ConfigLoader(file, node).load(java.util.List.of("--config", file.toString()));
    assertThat(config.cgroupDriver()).isEqualTo(CgroupDriver.CGROUPFS);
    assertThat(config.defaultRuntime()).isEqualTo("runc");
    assertThat(config.runtimeHandlers()).containsEntry("crun", Path.of("/opt/crun"));
  }

  @Test
  void anUnknownDefaultRuntimeIsNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("podshim.toml");
    Files.writeString(file, "default_runtime = \"kata\"\n");
    NodeDefaults node = new NodeDefaults(false, false, Optional.empty());
    assertThatThrownBy(() -> new ConfigLoader(file, node).load(java.util.List.of("--config", file.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("default_runtime").hasMessageContaining("kata");
  }

  @Test
  void readsTheNodeFromItsFiles(@TempDir Path dir) throws Exception {
    Path run = Files.createDirectory(dir.resolve("system"));
    Path controllers = Files.writeString(dir.resolve("cgroup.controllers"), "cpu memory pids\n");
    Path crun = Files.createFile(dir.resolve("crun"));
    crun.toFile().setExecutable(true);
    assertThat(NodeDefaults.read(run, controllers, crun)).isEqualTo(new NodeDefaults(true, true, Optional.of(crun)));
    assertThat(NodeDefaults.read(dir.resolve("none"), dir.resolve("none"), dir.resolve("none")))
        .isEqualTo(new NodeDefaults(false, false, Optional.empty()));
    assertThat(new NodeDefaults(false, false, Optional.empty()).runtimes(Map.of())).isEmpty();
  }
}
