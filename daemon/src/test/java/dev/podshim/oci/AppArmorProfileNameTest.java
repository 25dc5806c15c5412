package dev.podshim.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppArmorProfileNameTest {
  @ParameterizedTest
  @ValueSource(strings = {"podshim-default", "cri-validate-apparmor-test-deny-write", "k8s_nginx.v2",
      "/usr/sbin/tcpdump", "parent//child", "lsb_release:1", "a@b+c~d=e"})
  void namesOfRealProfilesPass(String name) {
    assertThat(AppArmorProfileName.check("f", name)).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "..", "../etc/passwd", "a/../b", "-r", ".hidden", "two words", "tab\tname", "new\nline",
      "nul\0", "quote\"", "brace{", "star*", "stack&unconfined", "unconfined (enforce)", "caf\u00e9"})
  void anythingElseIsInvalidNamingTheField(String name) {
    assertThatThrownBy(() -> AppArmorProfileName.check("config.x.apparmor_profile", name))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).startsWith("config.x.apparmor_profile: ");
        });
  }

  @ParameterizedTest
  @ValueSource(ints = {255, 256})
  void namesAreBoundedAtAFileNamesLength(int length) {
    String name = "a".repeat(length);
    if (length <= AppArmorProfileName.MAX_BYTES) {
      assertThat(AppArmorProfileName.check("f", name)).isEqualTo(name);
    } else {
      assertThatThrownBy(() -> AppArmorProfileName.check("f", name)).isInstanceOf(CriException.class)
          .hasMessageContaining("longer than 255 bytes").hasMessageContaining("(256 bytes) starting");
    }
  }
}
