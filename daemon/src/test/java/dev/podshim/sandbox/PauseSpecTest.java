package dev.podshim.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PauseSpecTest {

  @Test
  void copiesSysctlsKeepingTheirOrder() {
    Map<String, String> sysctls = new LinkedHashMap<>();
    sysctls.put("net.ipv4.ping_group_range", "0 0");
    sysctls.put("kernel.shmmax", "1");
    sysctls.put("net.core.somaxconn", "1024");

    PauseSpec spec = new PauseSpec(true, true, true, false, "pod", sysctls);
    sysctls.clear();

    assertThat(spec.sysctls()).containsExactly(
        Map.entry("net.ipv4.ping_group_range", "0 0"),
        Map.entry("kernel.shmmax", "1"),
        Map.entry("net.core.somaxconn", "1024"));
    assertThatThrownBy(() -> spec.sysctls().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void refusesAHostnameWithoutItsOwnUtsNamespace() {
    assertThatThrownBy(() -> new PauseSpec(true, false, false, false, "pod", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
