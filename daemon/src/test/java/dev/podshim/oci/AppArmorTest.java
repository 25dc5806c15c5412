package dev.podshim.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import dev.podshim.testing.FakeAppArmorHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppArmorTest {
  @TempDir Path dir;

  @Test
  void withoutAppArmorNothingIsLoaded() throws IOException {
    FakeAppArmorHost host = new FakeAppArmorHost(false, Set.of());
    AppArmor aa = AppArmor.start(host, dir);
    assertThat(aa.enabled()).isFalse();
    assertThat(host.loads).isEmpty();
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void theDefaultProfileIsLoadedAtStartAndItsTextStamped() throws IOException {
    FakeAppArmorHost host = new FakeAppArmorHost(true, Set.of("other"));
    AppArmor aa = AppArmor.start(host, dir);
    assertThat(aa.enabled()).isTrue();
    assertThat(host.loads).singleElement().asString().contains("profile podshim-default ");
    assertThat(host.loadedProfiles()).contains("podshim-default", "other");
    assertThat(Files.readString(dir.resolve("podshim-default.sha256"))).matches("[0-9a-f]{64}\n");
    assertThat(aa.loaded("other")).isTrue();
    assertThat(aa.loaded("missing")).isFalse();
  }

  @Test
  void theSameTextAlreadyLoadedIsNotCompiledAgain() throws IOException {
    FakeAppArmorHost host = new FakeAppArmorHost(true, Set.of());
    AppArmor.start(host, dir);
    AppArmor.start(host, dir);
    assertThat(host.loads).hasSize(1);
  }

  @Test
  void aChangedTextReplacesTheLoadedProfile() throws IOException {
    FakeAppArmorHost host = new FakeAppArmorHost(true, Set.of());
    AppArmor.start(host, dir);
    host.ownLabel = "podshimd"; // a new daemon profile changes the text
    AppArmor.start(host, dir);
    assertThat(host.loads).hasSize(2);
    assertThat(host.loads.get(1)).contains("peer=podshimd,");
  }

  @Test
  void aLoadedProfileOfThatNameButNoStampIsReplaced() throws IOException {
    // someone else's podshim-default, or one loaded before the stamp was written
    FakeAppArmorHost host = new FakeAppArmorHost(true, Set.of("podshim-default"));
    AppArmor.start(host, dir);
    assertThat(host.loads).hasSize(1);
  }

  @Test
  void aStampWithoutTheProfile_aRebootedKernel_loadsItAgain() throws IOException {
    AppArmor.start(new FakeAppArmorHost(true, Set.of()), dir);
    FakeAppArmorHost rebooted = new FakeAppArmorHost(true, Set.of());
    AppArmor.start(rebooted, dir);
    assertThat(rebooted.loads).hasSize(1);
  }

  @Test
  void aProfileUnloadedWhileRunningIsLoadedAgainBeforeAContainerNeedsIt() throws IOException {
    FakeAppArmorHost host = new FakeAppArmorHost(true, Set.of());
    AppArmor aa = AppArmor.start(host, dir);
    assertThat(aa.defaultProfile()).isEqualTo("podshim-default");
    assertThat(host.loads).hasSize(1);
    host.unload("podshim-default");
    assertThat(aa.defaultProfile()).isEqualTo("podshim-default");
    assertThat(host.loads).hasSize(2);
    assertThat(host.loadedProfiles()).contains("podshim-default");
  }

  @Test
  void aParserThatFailsAtStartFailsTheStart() {
    FakeAppArmorHost host = new FakeAppArmorHost(true, Set.of());
    host.parserError = "apparmor_parser exited 1: syntax error";
    assertThatThrownBy(() -> AppArmor.start(host, dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("syntax error");
  }

  @Test
  void aParserThatFailsLaterFailsTheContainerAsInternal() throws IOException {
    FakeAppArmorHost host = new FakeAppArmorHost(true, Set.of());
    AppArmor aa = AppArmor.start(host, dir);
    host.unload("podshim-default");
    host.parserError = "apparmor_parser exited 1";
    assertThatThrownBy(aa::defaultProfile).isInstanceOfSatisfying(CriException.class,
        e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INTERNAL));
  }
}
