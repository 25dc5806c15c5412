package dev.podshim.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's files as KernelAppArmor reads them, laid out under a temporary root. Loading for
 * real, and reading the real files, runs in the Debian 13 VM (e2e AppArmorOnModernNodeTest):
 * this machine's kernel has no AppArmor.
 */
class KernelAppArmorTest {
  @TempDir Path root;

  private Path file(String path, String content) throws IOException {
    Path p = root.resolve(path.substring(1));
    Files.createDirectories(p.getParent());
    return Files.writeString(p, content);
  }

  @Test
  void availableNeedsTheModuleOnItsSecurityfsAndTheParser() throws IOException {
    Path parser = file("/usr/sbin/apparmor_parser", "");
    assertThat(new KernelAppArmor(root, parser).available()).isFalse();
    file("/sys/module/apparmor/parameters/enabled", "Y\n");
    assertThat(new KernelAppArmor(root, parser).available()).isFalse();
    Files.createDirectories(root.resolve("sys/kernel/security/apparmor"));
    assertThat(new KernelAppArmor(root, parser).available()).isTrue();
    assertThat(new KernelAppArmor(root, null).available()).isFalse();
    file("/sys/module/apparmor/parameters/enabled", "N\n");
    assertThat(new KernelAppArmor(root, parser).available()).isFalse();
  }

  @Test
  void loadedProfilesAreTheNamesOfTheKernelsList() throws IOException {
    file("/sys/kernel/security/apparmor/profiles", """
        podshim-default (enforce)
        /usr/sbin/tcpdump (enforce)
        crun (unconfined)
        cri-validate-apparmor-test-audit-write (complain)
        """);
    assertThat(new KernelAppArmor(root, null).loadedProfiles()).containsExactlyInAnyOrder("podshim-default",
        "/usr/sbin/tcpdump", "crun", "cri-validate-apparmor-test-audit-write");
  }

  @Test
  void ownLabelDropsTheModeAndIsUnconfinedWhenUnreadable() throws IOException {
    KernelAppArmor aa = new KernelAppArmor(root, null);
    assertThat(aa.ownLabel()).isEqualTo("unconfined");
    file("/proc/self/attr/current", "podshimd (enforce)\n");
    assertThat(aa.ownLabel()).isEqualTo("podshimd");
    file("/proc/self/attr/apparmor/current", "unconfined\n");
    assertThat(aa.ownLabel()).isEqualTo("unconfined");
  }

  @Test
  void policyFilesAreLookedUpUnderEtcApparmorD() throws IOException {
    file("/etc/apparmor.d/tunables/global", "");
    KernelAppArmor aa = new KernelAppArmor(root, null);
    assertThat(aa.hasPolicyFile("tunables/global")).isTrue();
    assertThat(aa.hasPolicyFile("abstractions/base")).isFalse();
  }

  @Test
  void aParserThatFailsSaysWhatItPrinted() throws IOException {
    Path parser = file("/usr/sbin/apparmor_parser", "#!/bin/sh\ncat >/dev/null; echo \"AppArmor parser error: $*\"; exit 1\n");
    parser.toFile().setExecutable(true);
    assertThatThrownBy(() -> new KernelAppArmor(root, parser).load("profile x {}\n")).isInstanceOf(IOException.class)
        .hasMessage("apparmor_parser exited 1: AppArmor parser error: --replace --skip-cache");
    assertThatThrownBy(() -> new KernelAppArmor(root, null).load("profile x {}\n")).isInstanceOf(IOException.class)
        .hasMessage("apparmor_parser is not installed");
  }

  @Test
  void theProfileGoesToTheParsersStdin() throws IOException {
    Path got = root.resolve("got");
    Path parser = file("/usr/sbin/apparmor_parser", "#!/bin/sh\ncat > " + got + "; echo warning: fine\n");
    parser.toFile().setExecutable(true);
    assertThat(new KernelAppArmor(root, parser).load("profile x {}\n")).isEqualTo("warning: fine");
    assertThat(got).hasContent("profile x {}");
  }
}
