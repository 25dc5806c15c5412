package dev.podshim.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.store.SandboxConfig.Mode;
import dev.podshim.store.SandboxConfig.NamespaceModes;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SysctlsTest {
  private static final NamespaceModes POD = new NamespaceModes(Mode.POD, Mode.CONTAINER, Mode.POD, "");
  private static final NamespaceModes HOST = new NamespaceModes(Mode.NODE, Mode.CONTAINER, Mode.NODE, "");
  private final Sysctls sysctls = new Sysctls(Path.of("/proc/sys"));

  @ParameterizedTest
  @CsvSource({
      "net.ipv4.ip_unprivileged_port_start, 1024",
      "net/ipv4/ping_group_range, 0 2147483647",
      "net.ipv4.conf.eth0.forwarding, 1",
      "kernel.shmmax, 1000000",
      "kernel.msgmax, 8192",
      "kernel.sem, 250 32000 32 128",
      "fs.mqueue.msg_max, 20"})
  void namespacedSysctlsAreAllowedInAPodsOwnNamespaces(String key, String value) {
    assertThatCode(() -> sysctls.validate(Map.of(key, value), POD)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "net.ipv4.ip_unprivileged_port_start|host network",
      "kernel.shmmax|host IPC",
      "fs.mqueue.msg_max|host IPC"})
  void namespacedSysctlsAreRefusedWhenTheNamespaceIsTheNodes(String key, String why) {
    assertThatThrownBy(() -> sysctls.validate(Map.of(key, "1"), HOST)).hasMessageContaining(why).hasMessageContaining(key);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "vm.swappiness|not namespaced",
      "kernel.hostname|not namespaced",
      "net.ipv4.no_such_key|unknown",
      "net/../../etc/passwd|not a valid sysctl name",
      "/net/ipv4/ip_forward|not a valid sysctl name",
      "net.ipv4..ip_forward|not a valid sysctl name"})
  void everythingElseIsRefusedNamingTheKey(String key, String why) {
    assertThatThrownBy(() -> sysctls.validate(Map.of(key, "1"), POD))
        .hasMessageContaining("config.linux.sysctls").hasMessageContaining(why);
  }

  @org.junit.jupiter.api.Test
  void valuesWithNewlinesAreRefused() {
    assertThatThrownBy(() -> sysctls.validate(Map.of("kernel.shmmax", "1\n2"), POD)).hasMessageContaining("invalid value");
  }

  @org.junit.jupiter.api.Test
  void sysctlsOfInterfacesCniCreatesWaitUntilAfterTheNetworkIsAttached() {
    Map<String, String> all = Map.of(
        "net.ipv4.conf.eth0.arp_ignore", "1",
        "net/ipv6/conf/eth0/disable_ipv6", "1",
        "net.ipv4.neigh.eth0.gc_stale_time", "30",
        "net.ipv4.conf.all.arp_ignore", "1",
        "net.ipv4.conf.default.arp_ignore", "1",
        "net.ipv4.conf.lo.arp_ignore", "1",
        "net.ipv4.ip_unprivileged_port_start", "80",
        "kernel.shmmax", "1000000");

    assertThat(Sysctls.afterNetwork(all)).containsOnlyKeys(
        "net.ipv4.conf.eth0.arp_ignore", "net/ipv6/conf/eth0/disable_ipv6", "net.ipv4.neigh.eth0.gc_stale_time");
    assertThat(Sysctls.beforeNetwork(all)).containsOnlyKeys(
        "net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.default.arp_ignore", "net.ipv4.conf.lo.arp_ignore",
        "net.ipv4.ip_unprivileged_port_start", "kernel.shmmax");
  }
}
