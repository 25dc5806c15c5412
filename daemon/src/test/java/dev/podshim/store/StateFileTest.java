package dev.podshim.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {
  @TempDir Path dir;

  record Sample(String name, int count, List<String> items, Map<String, String> labels) {}

  @Test
  void roundTripsWithAVersionAndLeavesNoTempFile() throws Exception {
    Path file = dir.resolve("s.json");
    Sample sample = new Sample("a", 3, List.of("x", "y"), Map.of("k", "v"));
    StateFile.write(file, sample);
    assertThat(Files.readString(file)).contains("\"version\" : 1");
    assertThat(StateFile.read(file, Sample.class)).isEqualTo(sample);
    StateFile.write(file, new Sample("b", 4, List.of(), Map.of()));
    assertThat(StateFile.read(file, Sample.class).name()).isEqualTo("b");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("s.json");
    }
  }

  @Test
  void refusesUnknownVersionsAndGarbage() throws Exception {
    Path file = dir.resolve("v2.json");
    Files.writeString(file, "{\"version\": 2, \"name\": \"a\"}");
    assertThatThrownBy(() -> StateFile.read(file, Sample.class))
        .isInstanceOf(IOException.class).hasMessageContaining("unknown state version 2");
    Files.writeString(file, "{\"name\": \"a\"}");
    assertThatThrownBy(() -> StateFile.read(file, Sample.class)).hasMessageContaining("unknown state version");
    Files.writeString(file, "[1,2]");
    assertThatThrownBy(() -> StateFile.read(file, Sample.class)).hasMessageContaining("not a JSON object");
  }

  @Test
  void sandboxMetadataAndStatusSurviveARoundTrip() throws Exception {
    SandboxConfig config = new SandboxConfig(new SandboxConfig.PodMetadata("n", "u", "ns", 2), "h", "/var/log/pods/x",
        new SandboxConfig.Dns(List.of("10.0.0.10"), List.of("svc"), List.of("ndots:5")),
        List.of(new SandboxConfig.PortMapping("TCP", 80, 8080, "127.0.0.1")), Map.of("b", "2", "a", "1"),
        Map.of("an", "x"), "/kubepods/pod1", Map.of("net.ipv4.ip_forward", "1"),
        new SandboxConfig.NamespaceModes(SandboxConfig.Mode.POD, SandboxConfig.Mode.CONTAINER, SandboxConfig.Mode.NODE, ""),
        "runc", null);
    SandboxMetadata meta = new SandboxMetadata("ab".repeat(32), "k8s_POD_n_ns_u_2", config, 42, "/kubepods/pod1/x");
    StateFile.write(dir.resolve("meta.json"), meta);
    assertThat(StateFile.read(dir.resolve("meta.json"), SandboxMetadata.class)).isEqualTo(meta);

    SandboxStatus status = SandboxStatus.initial().withPause(7, 8).withCgroupDirs(List.of("/sys/x")).asCreated()
        .withExit(9, 137).withStopped(10);
    StateFile.write(dir.resolve("status.json"), status);
    assertThat(StateFile.read(dir.resolve("status.json"), SandboxStatus.class)).isEqualTo(status);
    assertThat(status.ready()).isFalse();
  }

  @Test
  void statusCellPersistsBeforePublishing() throws Exception {
    Path file = dir.resolve("status.json");
    StatusCell<SandboxStatus> cell = new StatusCell<>(file, SandboxStatus.initial());
    cell.persist();
    cell.update(s -> s.withPause(1, 2));
    assertThat(StateFile.read(file, SandboxStatus.class).pid()).isEqualTo(1);
    Files.delete(file);
    Files.createDirectory(file); // the next write cannot replace a directory
    assertThatThrownBy(() -> cell.update(s -> s.withPause(3, 4))).isInstanceOf(RuntimeException.class);
    assertThat(cell.get().pid()).as("memory never runs ahead of disk").isEqualTo(1);
  }
}
