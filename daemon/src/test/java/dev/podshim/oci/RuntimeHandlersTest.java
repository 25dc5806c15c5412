package dev.podshim.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuntimeHandlersTest {
  private final RuntimeHandlers handlers = RuntimeHandlers.of(Path.of("/state"),
      Map.of("runc", Path.of("/usr/bin/runc"), "crun", Path.of("/usr/bin/crun")), true, "crun");

  @Test
  void kubeletsEmptyHandlerIsTheConfiguredDefault() {
    assertThat(handlers.get("").handler()).isEqualTo("crun");
    assertThat(handlers.get("runc").handler()).isEqualTo("runc");
    assertThat(handlers.get("").globalArgs()).containsExactly("--root=/state/runtimes/crun", "--systemd-cgroup");
  }

  @Test
  void aContainerRecordedWithoutAHandlerWasMadeByRunc() {
    assertThat(handlers.ofContainer("").handler()).isEqualTo("runc");
    assertThat(handlers.ofContainer("crun").handler()).isEqualTo("crun");
  }

  @Test
  void anUnknownHandlerIsAnInvalidArgumentNamingIt() {
    assertThatThrownBy(() -> handlers.get("kata")).isInstanceOfSatisfying(CriException.class,
        e -> assertThat(e.getMessage()).contains("\"kata\"").contains("crun, runc"));
  }
}
