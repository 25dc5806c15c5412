package dev.podshim.container;

import static dev.podshim.container.SpecFixture.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.config.CgroupDriver;
import dev.podshim.store.ContainerConfig.Profile;
import dev.podshim.store.ContainerConfig.ProfileType;
import dev.podshim.store.ContainerConfig.Resources;
import dev.podshim.store.SandboxConfig.Mode;
import dev.podshim.store.SandboxConfig.NamespaceModes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecBuilderTest {
  @TempDir Path dir;

  @Test
  void anOrdinaryContainersSpec() throws IOException {
    SpecFixture f = new SpecFixture(dir);
    f.tty = true;
    f.noNewPrivs = true;
    f.readonlyRootfs = true;
    JsonNode spec = f.spec();

    assertThat(spec.path("ociVersion").asText()).isEqualTo("1.0.2-dev");
    assertThat(spec.path("root").toString())
        .isEqualTo("{\"path\":\"" + f.rootfs.toAbsolutePath() + "\",\"readonly\":true}");
    assertThat(spec.has("hostname")).isFalse();
    JsonNode process = spec.path("process");
    assertThat(process.path("terminal").asBoolean()).isTrue();
    assertThat(process.path("noNewPrivileges").asBoolean()).isTrue();
    assertThat(process.path("rlimits").toString()).isEqualTo("[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}]");
    assertThat(process.path("oomScoreAdj").asInt()).isZero();
    assertThat(process.has("apparmorProfile")).isFalse();
    assertThat(spec.path("linux").path("cgroupsPath").asText()).isEqualTo("/podshim/c1");
    // what runc reads is plain JSON
    assertThat(new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(spec)).toString())
        .isEqualTo(spec.toString());
  }

  @Test
  void annotationsAreTheConfigsPlusContainerdsWhichWin() {
    SpecFixture f = new SpecFixture(dir);
    f.annotations = Map.of("team", "a", "io.kubernetes.cri.container-type", "forged");
    JsonNode annotations = f.spec().path("annotations");

    assertThat(annotations.properties()).extracting(Map.Entry::getKey).containsExactly("io.kubernetes.cri.container-type",
        "team", "io.kubernetes.cri.container-name", "io.kubernetes.cri.sandbox-id", "io.kubernetes.cri.sandbox-name",
        "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.sandbox-uid", "io.kubernetes.cri.image-name");
    assertThat(annotations.path("io.kubernetes.cri.container-type").asText()).isEqualTo("container");
    assertThat(annotations.path("io.kubernetes.cri.container-name").asText()).isEqualTo("web");
    assertThat(annotations.path("io.kubernetes.cri.sandbox-id").asText()).isEqualTo("sb1");
    assertThat(annotations.path("io.kubernetes.cri.sandbox-name").asText()).isEqualTo("web");
    assertThat(annotations.path("io.kubernetes.cri.sandbox-namespace").asText()).isEqualTo("default");
    assertThat(annotations.path("io.kubernetes.cri.sandbox-uid").asText()).isEqualTo("uid1");
    assertThat(annotations.path("io.kubernetes.cri.image-name").asText()).isEqualTo("docker.io/library/nginx:1.27");
    assertThat(annotations.path("team").asText()).isEqualTo("a");
  }

  @Test
  void anAnnotationWithANulIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.annotations = Map.of("k", "v\0");
    f.assertInvalid("config.annotations[\"k\"]: contains a NUL byte");
  }

  @Test
  void maskedAndReadonlyPathsDefaultToContainerdsReplacedByTheConfigsEmptyWhenPrivileged() {
    SpecFixture f = new SpecFixture(dir);
    JsonNode linux = f.spec().path("linux");
    assertThat(texts(linux.path("maskedPaths"))).containsExactly("/proc/acpi", "/proc/asound", "/proc/kcore",
        "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
        "/sys/firmware", "/sys/devices/virtual/powercap", "/proc/scsi");
    assertThat(texts(linux.path("readonlyPaths")))
        .containsExactly("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    f.maskedPaths = List.of("/proc/secret");
    f.readonlyPaths = List.of("/proc/sys", "/proc/more");
    linux = f.spec().path("linux");
    assertThat(texts(linux.path("maskedPaths"))).containsExactly("/proc/secret");
    assertThat(texts(linux.path("readonlyPaths"))).containsExactly("/proc/sys", "/proc/more");

    f.privileged = true;
    linux = f.spec().path("linux");
    assertThat(linux.path("maskedPaths").isEmpty()).isTrue();
    assertThat(linux.path("readonlyPaths").isEmpty()).isTrue();
  }

  @Test
  void aRelativeMaskedPathIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.maskedPaths = List.of("/ok", "proc/x");
    f.assertInvalid("config.linux.security_context.masked_paths[1]: must be absolute");
  }

  @ParameterizedTest(name = "pid {0}")
  @CsvSource(delimiter = '|', value = {
      "POD|pid=/run/podshim/ns/sb1/pid",
      "CONTAINER|pid",
      "NODE|",
      "TARGET|pid=/proc/4242/ns/pid"})
  void thePidNamespaceFollowsThePidMode(Mode mode, String pid) {
    SpecFixture f = new SpecFixture(dir);
    f.pidMode = mode;
    f.pidns = Path.of("/run/podshim/ns/sb1/pid");
    f.targetPidns = Path.of("/proc/4242/ns/pid");
    List<String> expected = new ArrayList<>(List.of("mount", "network=/run/podshim/ns/sb1/net",
        "uts=/run/podshim/ns/sb1/uts", "ipc=/run/podshim/ns/sb1/ipc"));
    if (pid != null) {
      expected.add(pid);
    }
    assertThat(namespaces(f.spec())).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "POD|namespace_options.pid: POD, but sandbox sb1 has no PID namespace of its own",
      "TARGET|namespace_options.pid: TARGET, but no target container PID namespace"})
  void aPidModeWithoutItsNamespaceIsInvalid(Mode mode, String message) {
    SpecFixture f = new SpecFixture(dir);
    f.pidMode = mode;
    f.assertInvalid(message);
  }

  @Test
  void hostNetworkAndHostIpcPodsShareTheHostsNamespaces() {
    SpecFixture f = new SpecFixture(dir);
    f.podModes = new NamespaceModes(Mode.NODE, Mode.CONTAINER, Mode.NODE, "");
    assertThat(namespaces(f.spec())).containsExactly("mount", "pid");
    f.podModes = new NamespaceModes(Mode.NODE, Mode.CONTAINER, Mode.POD, "");
    assertThat(namespaces(f.spec())).containsExactly("mount", "ipc=/run/podshim/ns/sb1/ipc", "pid");
  }

  @Test
  void resourcesCarryOnlyWhatIsSet() {
    SpecFixture f = new SpecFixture(dir);
    assertThat(f.spec().path("linux").path("resources").toString())
        .isEqualTo("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");

    f.resources = new Resources(100000, 50000, 512, 256L << 20, 0, "0-1", "0", Map.of("2MB", 4L << 20),
        Map.of("memory.high", "200000000"), 512L << 20);
    JsonNode resources = f.spec().path("linux").path("resources");
    assertThat(resources.path("cpu").toString())
        .isEqualTo("{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\",\"mems\":\"0\"}");
    assertThat(resources.path("memory").toString()).isEqualTo("{\"limit\":268435456,\"swap\":536870912}");
    assertThat(resources.path("hugepageLimits").toString()).isEqualTo("[{\"pageSize\":\"2MB\",\"limit\":4194304}]");
    assertThat(resources.path("unified").toString()).isEqualTo("{\"memory.high\":\"200000000\"}");
  }

  /** kubelet's zero limit for every size of the node, on a node whose runtime has no hugetlb controller. */
  @Test
  void hugepageLimitsAreLeftOutWhereTheRuntimeHasNoHugetlbController() {
    SpecFixture f = new SpecFixture(dir);
    f.hugetlb = new Hugetlb(false, Set.of("2MB", "1GB"));
    f.resources = new Resources(0, 0, 0, 0, 0, "", "", Map.of("2MB", 0L, "1GB", 0L), Map.of(), 0);
    assertThat(f.spec().path("linux").path("resources").has("hugepageLimits")).isFalse();
  }

  @Test
  void aHugepageLimitIsKeptForEverySizeWhereTheControllerIsUsable() {
    SpecFixture f = new SpecFixture(dir);
    f.resources = new Resources(0, 0, 0, 0, 0, "", "", Map.of("2MB", 0L, "1GB", 0L), Map.of(), 0);
    assertThat(f.spec().path("linux").path("resources").path("hugepageLimits").toString())
        .isEqualTo("[{\"pageSize\":\"1GB\",\"limit\":0},{\"pageSize\":\"2MB\",\"limit\":0}]");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "3MB|0|this node has no 3MB huge pages",
      "2 MB|0|page size \"2 MB\" is not like 2MB or 1GB",
      "2MB|-1|limit of 2MB pages is negative"})
  void aHugepageLimitTheNodeCannotApplyIsInvalid(String size, long limit, String message) {
    SpecFixture f = new SpecFixture(dir);
    f.resources = new Resources(0, 0, 0, 0, 0, "", "", Map.of(size, limit), Map.of(), 0);
    f.assertInvalid("config.linux.resources.hugepage_limits: " + message);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "../../etc/passwd|config.linux.resources.unified: \"../../etc/passwd\" is not a cgroup file name",
      "cpu/x|is not a cgroup file name"})
  void aUnifiedKeyThatIsNotACgroupFileIsInvalid(String key, String message) {
    SpecFixture f = new SpecFixture(dir);
    f.resources = new Resources(0, 0, 0, 0, 0, "", "", Map.of(), Map.of(key, "1"), 0);
    f.assertInvalid(message);
  }

  @ParameterizedTest
  @CsvSource({
      "CGROUPFS, '',                         /podshim/c1",
      "CGROUPFS, /kubepods/burstable/podu1,  /kubepods/burstable/podu1/c1",
      "CGROUPFS, /kubepods/podu1/,           /kubepods/podu1/c1",
      "SYSTEMD,  '',                         system.slice:podshim:c1",
      "SYSTEMD,  kubepods-besteffort.slice,  kubepods-besteffort.slice:podshim:c1"})
  void theCgroupPathFollowsTheDriver(CgroupDriver driver, String parent, String expected) {
    SpecFixture f = new SpecFixture(dir);
    f.cgroupDriver = driver;
    f.cgroupParent = parent;
    assertThat(f.spec().path("linux").path("cgroupsPath").asText()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "asked {0}, daemon {1} -> {2}")
  @CsvSource({"0, 0, 0", "-998, -999, -998", "-999, -500, -500", "1000, -500, 1000", "500, 0, 500"})
  void oomScoreAdjIsNeverBelowTheDaemons(long asked, int daemon, int expected) {
    SpecFixture f = new SpecFixture(dir);
    f.resources = new Resources(0, 0, 0, 0, asked, "", "", Map.of(), Map.of(), 0);
    f.daemonOomScoreAdj = daemon;
    assertThat(f.spec().path("process").path("oomScoreAdj").asInt()).isEqualTo(expected);
  }

  @Test
  void capabilitiesAreOneSetForBoundingEffectiveAndPermittedWithAmbientAlsoInheritable() {
    SpecFixture f = new SpecFixture(dir);
    f.addCaps = List.of("NET_ADMIN", "SYS_RESOURCE");
    f.dropCaps = List.of("MKNOD");
    f.ambientCaps = List.of("NET_BIND_SERVICE", "CAP_SYS_NICE");
    JsonNode caps = f.spec().path("process").path("capabilities");

    List<String> set = texts(caps.path("bounding"));
    assertThat(set).contains("CAP_NET_ADMIN", "CAP_SYS_NICE", "CAP_CHOWN")
        .doesNotContain("CAP_MKNOD", "CAP_SYS_RESOURCE").hasSize(15);
    assertThat(texts(caps.path("effective"))).isEqualTo(set);
    assertThat(texts(caps.path("permitted"))).isEqualTo(set);
    assertThat(texts(caps.path("ambient"))).containsExactly("CAP_NET_BIND_SERVICE", "CAP_SYS_NICE");
    assertThat(texts(caps.path("inheritable"))).containsExactly("CAP_NET_BIND_SERVICE", "CAP_SYS_NICE");

    f.ambientCaps = List.of();
    assertThat(f.spec().path("process").path("capabilities").path("inheritable").isEmpty()).isTrue();
  }

  @Test
  void anUnknownCapabilityIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.addCaps = List.of("CAP_FLY");
    f.assertInvalid("add_capabilities[0]: unknown capability \"CAP_FLY\"");
  }

  @Test
  void privilegedHasEveryCapabilityTheDaemonHoldsAndNoSeccomp() {
    SpecFixture f = new SpecFixture(dir);
    f.privileged = true;
    JsonNode spec = f.spec();
    assertThat(texts(spec.path("process").path("capabilities").path("bounding")))
        .hasSize(40).contains("CAP_SYS_ADMIN").doesNotContain("CAP_SYS_RESOURCE");
    assertThat(spec.path("linux").has("seccomp")).isFalse();
  }

  @Test
  void theDefaultSeccompProfileIsFilteredByTheContainersCapabilities() {
    SpecFixture f = new SpecFixture(dir);
    assertThat(seccompAllowed(f.spec())).contains("read", "chroot").doesNotContain("sethostname", "mount");
    f.addCaps = List.of("SYS_ADMIN");
    assertThat(seccompAllowed(f.spec())).contains("sethostname", "mount");
    f.addCaps = List.of();
    f.dropCaps = List.of("SYS_CHROOT");
    assertThat(seccompAllowed(f.spec())).doesNotContain("chroot");
  }

  @Test
  void unconfinedHasNoSeccomp() {
    SpecFixture f = new SpecFixture(dir);
    f.seccomp = new Profile(ProfileType.UNCONFINED, "");
    assertThat(f.spec().path("linux").has("seccomp")).isFalse();
  }

  @Test
  void aLocalhostSeccompProfileIsUsedAsItIs() throws IOException {
    SpecFixture f = new SpecFixture(dir);
    String json = "{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[]}";
    f.seccomp = new Profile(ProfileType.LOCALHOST, Files.writeString(dir.resolve("p.json"), json).toString());
    assertThat(f.spec().path("linux").path("seccomp").toString()).isEqualTo(json);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "relative.json|seccomp.localhost_ref: must be absolute",
      "/nonexistent/p.json|seccomp.localhost_ref: seccomp profile /nonexistent/p.json does not exist",
      "@DIR/bad.json|bad.json is not JSON",
      "@DIR/array.json|array.json is not a JSON object",
      "@DIR|cannot read seccomp profile"})
  void aBadLocalhostSeccompProfileIsInvalidNamingThePath(String ref, String message) throws IOException {
    Files.writeString(dir.resolve("bad.json"), "defaultAction: allow");
    Files.writeString(dir.resolve("array.json"), "[1]");
    SpecFixture f = new SpecFixture(dir);
    f.seccomp = new Profile(ProfileType.LOCALHOST, ref.replace("@DIR", dir.toString()));
    f.assertInvalid(message);
  }

  @ParameterizedTest(name = "{0} {1} with AppArmor {2}")
  @CsvSource(delimiter = '|', value = {
      "UNCONFINED||true|",
      "RUNTIME_DEFAULT||true|",
      "RUNTIME_DEFAULT||false|",
      "LOCALHOST|my-profile|true|my-profile",
      "LOCALHOST|localhost/my-profile|true|my-profile"})
  void apparmorProfiles(ProfileType type, String ref, boolean enabled, String expected) {
    SpecFixture f = new SpecFixture(dir);
    f.apparmor = new Profile(type, ref == null ? "" : ref);
    f.appArmorEnabled = enabled;
    JsonNode process = f.spec().path("process");
    if (expected == null) {
      assertThat(process.has("apparmorProfile")).isFalse();
    } else {
      assertThat(process.path("apparmorProfile").asText()).isEqualTo(expected);
    }
  }

  @Test
  void aLocalhostApparmorProfileWithoutApparmorIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.apparmor = new Profile(ProfileType.LOCALHOST, "my-profile");
    f.assertInvalid("config.linux.security_context.apparmor: apparmor is not enabled on this host");
  }

  private static List<String> namespaces(JsonNode spec) {
    List<String> out = new ArrayList<>();
    spec.path("linux").path("namespaces").forEach(ns ->
        out.add(ns.path("type").asText() + (ns.has("path") ? "=" + ns.path("path").asText() : "")));
    return out;
  }

  private static List<String> seccompAllowed(JsonNode spec) {
    List<String> out = new ArrayList<>();
    for (JsonNode rule : spec.path("linux").path("seccomp").path("syscalls")) {
      if (rule.path("action").asText().equals("SCMP_ACT_ALLOW") && !rule.has("args")) {
        out.addAll(texts(rule.path("names")));
      }
    }
    return out;
  }
}
