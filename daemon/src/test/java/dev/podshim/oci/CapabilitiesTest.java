package dev.podshim.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CapabilitiesTest {
  /** Every capability but CAP_SYS_RESOURCE, as this project's CI root holds them. */
  private static final Set<String> HOST = Set.of(Capabilities.ALL.stream()
      .filter(c -> !c.equals("CAP_SYS_RESOURCE")).toArray(String[]::new));

  @Test
  void theTableIsNumberedAsTheKernelNumbersThem() {
    assertThat(Capabilities.ALL).hasSize(41);
    assertThat(Capabilities.ALL.get(0)).isEqualTo("CAP_CHOWN");
    assertThat(Capabilities.ALL.get(21)).isEqualTo("CAP_SYS_ADMIN");
    assertThat(Capabilities.ALL.get(24)).isEqualTo("CAP_SYS_RESOURCE");
    assertThat(Capabilities.ALL.get(40)).isEqualTo("CAP_CHECKPOINT_RESTORE");
  }

  @Test
  void nothingAskedIsContainerdsDefaultInCapabilityOrder() {
    assertThat(Capabilities.resolve(List.of(), List.of(), false, HOST)).containsExactly(
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE",
        "CAP_SETFCAP");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "NET_ADMIN|CAP_NET_ADMIN",
      "net_admin|CAP_NET_ADMIN",
      "CAP_NET_ADMIN|CAP_NET_ADMIN",
      "cap_Sys_Time|CAP_SYS_TIME"})
  void addedNamesComeWithOrWithoutThePrefixInAnyCase(String asked, String granted) {
    assertThat(Capabilities.resolve(List.of(asked), List.of(), false, HOST)).contains(granted).hasSize(15);
  }

  @Test
  void droppedNamesAreRemoved() {
    assertThat(Capabilities.resolve(List.of(), List.of("chown", "CAP_KILL"), false, HOST))
        .doesNotContain("CAP_CHOWN", "CAP_KILL").hasSize(12);
  }

  @Test
  void addAllIsEveryCapabilityTheDaemonHoldsMinusTheDrops() {
    Set<String> caps = Capabilities.resolve(List.of("ALL"), List.of("MKNOD"), false, HOST);
    assertThat(caps).hasSize(39).contains("CAP_SYS_ADMIN", "CAP_BPF").doesNotContain("CAP_MKNOD", "CAP_SYS_RESOURCE");
  }

  @Test
  void dropAllLeavesOnlyTheAdds() {
    assertThat(Capabilities.resolve(List.of("NET_BIND_SERVICE"), List.of("all"), false, HOST))
        .containsExactly("CAP_NET_BIND_SERVICE");
  }

  @Test
  void privilegedIsEveryHeldCapabilityWhateverTheLists() {
    assertThat(Capabilities.resolve(List.of(), List.of("ALL"), true, HOST)).hasSize(40).isEqualTo(HOST);
  }

  @Test
  void aCapabilityTheDaemonLacksIsNeverGranted() {
    assertThat(Capabilities.resolve(List.of("SYS_RESOURCE", "SYS_ADMIN"), List.of(), false, HOST))
        .contains("CAP_SYS_ADMIN").doesNotContain("CAP_SYS_RESOURCE");
    assertThat(Capabilities.resolve(List.of(), List.of(), false, Set.of("CAP_CHOWN", "CAP_SYS_ADMIN")))
        .containsExactly("CAP_CHOWN");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "add|add_capabilities[1]: unknown capability \"CAP_NOPE\"",
      "drop|drop_capabilities[1]: unknown capability \"CAP_NOPE\""})
  void anUnknownNameIsRefusedNamingItAndItsField(String list, String message) {
    List<String> names = List.of("CHOWN", "CAP_NOPE");
    assertThatThrownBy(() -> Capabilities.resolve(list.equals("add") ? names : List.of(),
        list.equals("drop") ? names : List.of(), false, HOST))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }

  @Test
  void ambientCapabilitiesAreTheHeldOnesNamed() {
    assertThat(Capabilities.ambient(List.of("net_raw", "SYS_RESOURCE"), HOST)).containsExactly("CAP_NET_RAW");
    assertThatThrownBy(() -> Capabilities.ambient(List.of("BOGUS"), HOST))
        .hasMessageContaining("add_ambient_capabilities[0]: unknown capability \"BOGUS\"");
  }

  @Test
  void heldDecodesTheEffectiveMaskOfAProcessStatus() {
    String status = "Name:\tjava\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
        + "CapEff:\t000001fffeffffff\nCapBnd:\t000001ffffffffff\n";
    assertThat(Capabilities.held(status)).isEqualTo(HOST);
    assertThat(Capabilities.held("CapEff:\t0000000000200401\n"))
        .containsExactly("CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN");
    assertThat(Capabilities.held("CapEff:\t0000000000000000\n")).isEmpty();
  }

  @Test
  void heldReadsThisProcessesStatus() {
    // tests run as root, as CI does
    assertThat(Capabilities.held()).contains("CAP_CHOWN", "CAP_SYS_ADMIN").isSubsetOf(Capabilities.ALL);
  }
}
