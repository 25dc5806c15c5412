package dev.podshim.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DefaultSeccompTest {
  private static final Set<String> DEFAULT = Capabilities.DEFAULT;

  @Test
  void deniesWithEpermByDefaultOnTheX86Family() {
    ObjectNode profile = DefaultSeccomp.profile(DEFAULT, "amd64");
    assertThat(profile.path("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(profile.path("defaultErrnoRet").asInt()).isEqualTo(1);
    assertThat(texts(profile.path("architectures"))).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
    assertThat(texts(DefaultSeccomp.profile(DEFAULT, "arm64").path("architectures")))
        .containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
  }

  @Test
  void ordinarySystemCallsAreAllowedUnconditionally() {
    assertThat(allowed(DefaultSeccomp.profile(Set.of(), "amd64")))
        .contains("read", "write", "openat", "execve", "futex", "epoll_pwait", "socket", "setuid", "exit_group")
        .doesNotContain("mount", "reboot", "ptrace", "kexec_load", "open_by_handle_at");
  }

  @ParameterizedTest
  @CsvSource({
      "sethostname, CAP_SYS_ADMIN",
      "setdomainname, CAP_SYS_ADMIN",
      "mount, CAP_SYS_ADMIN",
      "unshare, CAP_SYS_ADMIN",
      "reboot, CAP_SYS_BOOT",
      "chroot, CAP_SYS_CHROOT",
      "clock_settime, CAP_SYS_TIME",
      "ptrace, CAP_SYS_PTRACE",
      "init_module, CAP_SYS_MODULE",
      "acct, CAP_SYS_PACCT",
      "ioperm, CAP_SYS_RAWIO",
      "vhangup, CAP_SYS_TTY_CONFIG",
      "open_by_handle_at, CAP_DAC_READ_SEARCH"})
  void aPrivilegedCallIsAllowedOnlyWithItsCapability(String syscall, String cap) {
    Set<String> without = new HashSet<>(DEFAULT);
    without.remove(cap);
    Set<String> with = new HashSet<>(without);
    with.add(cap);
    assertThat(allowed(DefaultSeccomp.profile(without, "amd64"))).doesNotContain(syscall);
    assertThat(allowed(DefaultSeccomp.profile(with, "amd64"))).contains(syscall);
  }

  @Test
  void withoutSysAdminClone3IsEnosysAndCloneCannotMakeNamespaces() {
    ObjectNode profile = DefaultSeccomp.profile(DEFAULT, "amd64");
    JsonNode clone3 = rule(profile, "clone3");
    assertThat(clone3.path("action").asText()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(clone3.path("errnoRet").asInt()).isEqualTo(38);
    JsonNode clone = rule(profile, "clone");
    assertThat(clone.path("action").asText()).isEqualTo("SCMP_ACT_ALLOW");
    JsonNode arg = clone.path("args").get(0);
    assertThat(arg.path("op").asText()).isEqualTo("SCMP_CMP_MASKED_EQ");
    assertThat(arg.path("value").asLong()).isEqualTo(0x7E020000L);
    assertThat(arg.path("valueTwo").asLong()).isZero();
  }

  @Test
  void withSysAdminCloneAndClone3AreAllowedPlainly() {
    ObjectNode profile = DefaultSeccomp.profile(Set.of("CAP_SYS_ADMIN"), "amd64");
    assertThat(rule(profile, "clone").has("args")).isFalse();
    assertThat(rule(profile, "clone3").path("action").asText()).isEqualTo("SCMP_ACT_ALLOW");
  }

  @Test
  void personalityIsAllowedOnlyForTheUsualPersonas() {
    List<Long> values = new ArrayList<>();
    for (JsonNode r : DefaultSeccomp.profile(DEFAULT, "amd64").path("syscalls")) {
      if (texts(r.path("names")).contains("personality")) {
        assertThat(r.path("args").get(0).path("op").asText()).isEqualTo("SCMP_CMP_EQ");
        values.add(r.path("args").get(0).path("value").asLong());
      }
    }
    assertThat(values).containsExactly(0L, 8L, 0x20000L, 0x20008L, 0xffffffffL);
  }

  @Test
  void architectureSpecificCallsFollowTheArchitecture() {
    assertThat(allowed(DefaultSeccomp.profile(DEFAULT, "amd64"))).contains("arch_prctl").doesNotContain("set_tls");
    assertThat(allowed(DefaultSeccomp.profile(DEFAULT, "arm64"))).contains("set_tls").doesNotContain("arch_prctl");
  }

  @Test
  void theSpecFormHasNoFilterKeysAndEachCallIsReturnedAsACopy() {
    ObjectNode profile = DefaultSeccomp.profile(DEFAULT, "amd64");
    for (JsonNode r : profile.path("syscalls")) {
      assertThat(r.has("includes") || r.has("excludes")).isFalse();
    }
    assertThat(profile.has("archMap")).isFalse();
    ((ObjectNode) profile.path("syscalls").get(0)).removeAll();
    assertThat(allowed(DefaultSeccomp.profile(DEFAULT, "amd64"))).contains("read");
  }

  private static JsonNode rule(ObjectNode profile, String name) {
    for (JsonNode r : profile.path("syscalls")) {
      if (texts(r.path("names")).contains(name)) {
        return r;
      }
    }
    throw new AssertionError("no rule for " + name);
  }

  /** System calls an unconditional ALLOW rule lets through. */
  static List<String> allowed(ObjectNode profile) {
    List<String> names = new ArrayList<>();
    for (JsonNode r : profile.path("syscalls")) {
      if (r.path("action").asText().equals("SCMP_ACT_ALLOW") && !r.has("args")) {
        names.addAll(texts(r.path("names")));
      }
    }
    return names;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
