package dev.podshim.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequiresQemuTest {
  @Test
  void withoutQemuOnlyADevelopersRunSkipsAndItSaysWhatToInstall() {
    assertThat(RequiresQemu.decide(false, false).isDisabled()).isTrue();
    assertThat(RequiresQemu.decide(false, false).getReason()).hasValueSatisfying(
        reason -> assertThat(reason).contains("scripts/deps.sh test", "qemu-system-x86"));
    assertThat(RequiresQemu.decide(false, true).isDisabled()).as("CI runs them, and they fail").isFalse();
    assertThat(RequiresQemu.decide(true, false).isDisabled()).isFalse();
    assertThat(RequiresQemu.decide(true, true).isDisabled()).isFalse();
  }
}
