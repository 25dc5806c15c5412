package dev.podshim.container;

import static dev.podshim.container.SpecFixture.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.config.CgroupDriver;
import dev.podshim.store.ContainerConfig.Mount;
import dev.podshim.store.ContainerConfig.Profile;
import dev.podshim.store.ContainerConfig.Propagation;
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

    f.unifiedCgroup = true;
    f.resources = new Resources(100000, 50000, 512, 256L << 20, 0, "0-1", "0", Map.of("2MB", 4L << 20),
        Map.of("memory.high", "200000000"), 512L << 20);
    JsonNode resources = f.spec().path("linux").path("resources");
    assertThat(resources.path("cpu").toString())
        .isEqualTo("{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\",\"mems\":\"0\"}");
    assertThat(resources.path("memory").toString()).isEqualTo("{\"limit\":268435456,\"swap\":536870912}");
    assertThat(resources.path("hugepageLimits").toString()).isEqualTo("[{\"pageSize\":\"2MB\",\"limit\":4194304}]");
    assertThat(resources.path("unified").toString()).isEqualTo("{\"memory.high\":\"200000000\"}");
  }

  /** Each bound of {@link ResourceLimits}: the last value inside passes, the first outside is INVALID_ARGUMENT. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "shares 1|1,0,0,0,0,,,-|cpu_shares: 1 is not between 2 and 262144",
      "shares 262145|262145,0,0,0,0,,,-|cpu_shares: 262145 is not between",
      "period 999|0,999,0,0,0,,,-|cpu_period: 999 µs is not between 1000 and 1000000",
      "period 1000001|0,1000001,0,0,0,,,-|cpu_period: 1000001 µs",
      "quota 999|0,0,999,0,0,,,-|cpu_quota: 999 µs is neither -1 (unlimited) nor between 1000",
      "quota -2|0,0,-2,0,0,,,-|cpu_quota: -2 µs",
      "quota 2^44|0,0,17592186044416,0,0,,,-|cpu_quota: 17592186044416 µs",
      "memory 12 MiB - 1|0,0,0,12582911,0,,,-|memory_limit_in_bytes: 12582911 is below the minimum of 12582912",
      "memory -1|0,0,0,-1,0,,,-|memory_limit_in_bytes: -1 is negative",
      "swap -2|0,0,0,134217728,-2,,,-|memory_swap_limit_in_bytes: -2 is neither -1",
      "swap below memory|0,0,0,134217728,134217727,,,-|memory_swap_limit_in_bytes: 134217727 is below memory_limit_in_bytes",
      "swap without memory|0,0,0,0,134217728,,,-|memory_swap_limit_in_bytes: needs memory_limit_in_bytes",
      "cpus beyond node|0,0,0,0,0,6-9,,-|cpuset_cpus: this node has no CPU 8 (online: 0-7)",
      "cpus huge range|0,0,0,0,0,0-99999,,-|cpuset_cpus: this node has no CPU 8",
      "cpus far beyond|0,0,0,0,0,99999,,-|cpuset_cpus: this node has no CPU 99999",
      "cpus backwards|0,0,0,0,0,3-1,,-|cpuset_cpus: \"3-1\" is not a list",
      "mems missing node|0,0,0,0,0,,1,-|cpuset_mems: this node has no memory node 1 (online: 0)",
      "oom 1001|0,0,0,0,0,,,1001|oom_score_adj: 1001 is not between -1000 and 1000"})
  void resourcesOutsideWhatRuncAndTheKernelTakeAreInvalid(String what, String values, String message) {
    SpecFixture f = new SpecFixture(dir);
    f.resources = resources(values);
    f.assertInvalid("config.linux.resources." + message);
    // the same rule, named by Update's field
    SpecFixture.assertInvalid(() -> SpecResources.build("linux", resources(values), f.node()), "linux." + message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "edges low|2,1000,1000,12582912,12582912,0,0,-1000",
      "edges high|262144,1000000,17592186044415,12582912,-1,0-7,0,1000",
      "unlimited|0,0,-1,0,-1,,,0"})
  void resourcesAtTheEdgesAreKept(String what, String values) {
    SpecFixture f = new SpecFixture(dir);
    f.resources = resources(values);
    assertThat(f.spec().path("linux").path("resources").isObject()).isTrue();
  }

  /** "shares,period,quota,memory,swap,cpus,mems,oom" with "-" for an oom_score_adj of 0. */
  private static Resources resources(String csv) {
    String[] v = (csv + ",end").split(",");
    return new Resources(Long.parseLong(v[1]), Long.parseLong(v[2]), Long.parseLong(v[0]), Long.parseLong(v[3]),
        v[7].equals("-") ? 0 : Long.parseLong(v[7]), v[5], v[6], Map.of(), Map.of(), Long.parseLong(v[4]));
  }

  @Test
  void unifiedKeysNeedACgroupV2Node() {
    SpecFixture f = new SpecFixture(dir);
    f.resources = new Resources(0, 0, 0, 0, 0, "", "", Map.of(), Map.of("memory.high", "1"), 0);
    f.assertInvalid("config.linux.resources.unified: needs cgroup v2");
    f.unifiedCgroup = true;
    assertThat(f.spec().path("linux").path("resources").path("unified").toString()).isEqualTo("{\"memory.high\":\"1\"}");
  }

  /** kubelet's zero limit for every size of the node, on a node whose runtime has no hugetlb controller. */
  @Test
  void hugepageLimitsAreLeftOutWhereTheRuntimeHasNoHugetlbController() {
    SpecFixture f = new SpecFixture(dir);
    f.hugetlb = new Hugetlb(false, Set.of("2MB", "1GB"));
    f.resources = new Resources(0, 0, 0, 0, 0, "", "", Map.of("2MB", 0L, "1GB", 0L), Map.of(), 0);
    assertThat(f.spec().path("linux").path("resources").has("hugepageLimits")).isFalse();
  }

  /** The size check does not depend on the controller: kubelet sends only the node's sizes, a 3MB page is a client's error. */
  @Test
  void aHugepageSizeTheNodeLacksIsInvalidEvenWithoutAController() {
    SpecFixture f = new SpecFixture(dir);
    f.hugetlb = new Hugetlb(false, Set.of("2MB", "1GB"));
    f.resources = new Resources(0, 0, 0, 0, 0, "", "", Map.of("3MB", 0L), Map.of(), 0);
    f.assertInvalid("config.linux.resources.hugepage_limits: this node has no 3MB huge pages");
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
      "SYSTEMD,  kubepods-besteffort.slice,  kubepods-besteffort.slice:podshim:c1",
      "SYSTEMD,  /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podu1.slice,"
          + "  kubepods-besteffort-podu1.slice:podshim:c1"})
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

  /**
   * /dev/zero, /dev/urandom and an 80 MB file ran the heap out (INTERNAL), and a FIFO nobody writes
   * held the CRI thread in open() for good: each is refused at once.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/dev/zero|is a character device, not a regular file",
      "/dev/urandom|is a character device, not a regular file",
      "@DIR/big.json|is larger than 1048576 bytes",
      "@DIR/fifo|is a FIFO, not a regular file",
      "@DIR/sub|is a directory, not a regular file",
      "@DIR/link.json|is a symbolic link"})
  void aLocalhostSeccompProfileThatIsNotASmallRegularFileIsRefusedAtOnce(String ref, String message)
      throws IOException {
    try (java.io.RandomAccessFile big = new java.io.RandomAccessFile(dir.resolve("big.json").toFile(), "rw")) {
      big.setLength(80L << 20);
    }
    dev.podshim.os.FileCalls.mknod(dir.resolve("fifo"), dev.podshim.os.FileCalls.S_IFIFO, 0600, 0, 0);
    Files.createDirectories(dir.resolve("sub"));
    Path good = Files.writeString(dir.resolve("good.json"), "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
    Files.createSymbolicLink(dir.resolve("link.json"), good);
    SpecFixture f = new SpecFixture(dir);
    String path = ref.replace("@DIR", dir.toString());
    f.seccomp = new Profile(ProfileType.LOCALHOST, path);
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
        () -> f.assertInvalid("seccomp.localhost_ref: cannot read seccomp profile: open " + path + ": " + message));
  }

  /** Profiles runc refuses after it has started: refused first, naming what is wrong. */
  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{'defaultAction':'SCMP_ACT_BOGUS'}|defaultAction \"SCMP_ACT_BOGUS\" is not a seccomp action the runtime knows",
      "{'defaultAction':'root:x:0:0'}|defaultAction is not a seccomp action the runtime knows",
      "{'defaultAction':'SCMP_ACT_NOTIFY'}|SCMP_ACT_NOTIFY cannot be the default action",
      "{'syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}|SCMP_ACT_NOTIFY needs a listenerPath",
      "{'syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_FOO'}]}|syscalls[0].action \"SCMP_ACT_FOO\" is not",
      "{'architectures':['SCMP_ARCH_FOO']}|architectures \"SCMP_ARCH_FOO\" is not a seccomp architecture",
      "{'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_FOO'}]}]}"
          + "|syscalls[0].args[0].op \"SCMP_CMP_FOO\" is not a seccomp operator",
      "{'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':'x','op':'SCMP_CMP_EQ'}]}]}"
          + "|syscalls[0].args[0] needs numbers index and value",
      "{'syscalls':'x'}|syscalls is not a list",
      "{'syscalls':[{'names':[1],'action':'SCMP_ACT_ALLOW'}]}|syscalls[0].names is not a string"})
  void aLocalhostSeccompProfileRuncWouldRefuseIsInvalid(String json, String message) throws IOException {
    Path file = Files.writeString(dir.resolve("p.json"), json.replace('\'', '"'));
    SpecFixture f = new SpecFixture(dir);
    f.seccomp = new Profile(ProfileType.LOCALHOST, file.toString());
    f.assertInvalid("seccomp.localhost_ref: seccomp profile " + file + ": " + message);
  }

  /** What runc found only once it ran: an empty program, a missing one or a directory, a file as working dir. */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "''||config.command: the program to run is an empty string",
      "/bin/nothing||config.command: \"/bin/nothing\" does not exist in the image",
      "/bin||config.command: \"/bin\" is a directory",
      "/bin/data||config.command: \"/bin/data\" is not executable",
      "/bin/server|/bin/server|config.working_dir: \"/bin/server\" exists in the image and is not a directory",
      "/bin/link-to-dir||config.command: \"/bin/link-to-dir\" is a directory"})
  void aProgramOrWorkingDirRuncWouldRefuseIsInvalid(String program, String workingDir, String message)
      throws IOException {
    SpecFixture f = new SpecFixture(dir);
    Files.writeString(f.rootfs.resolve("bin/data"), "not a program");
    Files.createSymbolicLink(f.rootfs.resolve("bin/link-to-dir"), Path.of("../bin"));
    f.command = List.of(program);
    f.workingDir = workingDir == null ? "" : workingDir;
    f.assertInvalid(message);
  }

  /** A program or working dir a mount provides is the mount's business; a bare name is looked up by runc. */
  @ParameterizedTest
  @CsvSource({"/data/run, /", "run, /", "/bin/server, /data/x"})
  void aProgramOrWorkingDirUnderAMountOrInPathIsNotChecked(String program, String workingDir) throws IOException {
    SpecFixture f = new SpecFixture(dir);
    Path data = Files.createDirectories(dir.resolve("data"));
    f.mounts = List.of(new Mount("/data", data.toString(), false, false, Propagation.PRIVATE));
    f.command = List.of(program);
    f.workingDir = workingDir;
    assertThat(texts(f.spec().path("process").path("args"))).containsExactly(program);
  }

  /** The parse error quoted the file's first token: for /etc/shadow, "root". */
  @Test
  void aLocalhostSeccompProfileThatIsNotJsonIsRefusedWithoutEchoingIt() throws IOException {
    Path shadow = Files.writeString(dir.resolve("shadow"), "root:$6$s3cret:19000:0:99999:7:::\n");
    SpecFixture f = new SpecFixture(dir);
    f.seccomp = new Profile(ProfileType.LOCALHOST, shadow.toString());
    f.assertInvalid("seccomp profile " + shadow + " is not JSON (line 1, column 6)");
    org.assertj.core.api.Assertions.assertThatThrownBy(f::build).message()
        .doesNotContain("root:").doesNotContain("'root'").doesNotContain("s3cret");
  }

  /** runc would mount the host directory over the rootfs, or refuse what covers /proc: caught before it runs. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/|\"/\" would replace the container's root filesystem",
      "/proc/..|\"/\" would replace the container's root filesystem",
      "/proc|only the host's procfs may be mounted over /proc",
      "/proc/sysrq-trigger|\"/proc/sysrq-trigger\" is inside /proc",
      "/proc/sys/kernel|is inside /proc",
      "/to-root|\"/to-root\" (through a symlink, \"/\") would replace the container's root filesystem",
      "/to-proc/sysrq-trigger|(through a symlink, \"/proc/sysrq-trigger\") is inside /proc",
      "/vol/up|\"/vol/up\" (through a symlink, \"/\") would replace"})
  void aMountOverTheRootOrIntoProcIsInvalid(String destination, String message) throws IOException {
    Path host = Files.createDirectories(dir.resolve("host"));
    Path vol = Files.createDirectories(dir.resolve("vol"));
    Files.createSymbolicLink(vol.resolve("up"), Path.of(".."));
    Files.createDirectories(dir.resolve("rootfs"));
    Files.createSymbolicLink(dir.resolve("rootfs/to-root"), Path.of("/"));
    Files.createSymbolicLink(dir.resolve("rootfs/to-proc"), Path.of("../proc"));
    SpecFixture f = new SpecFixture(dir);
    // /vol is mounted first: its host directory's symlink is what runc meets on the way to /vol/up
    f.mounts = List.of(new Mount(destination, host.toString(), false, false, Propagation.PRIVATE),
        new Mount("/vol", vol.toString(), false, false, Propagation.PRIVATE));
    f.assertInvalid("config.mounts[0].container_path: ");
    f.assertInvalid(message);
    assertThat(host).isEmptyDirectory();
  }

  @ParameterizedTest
  @CsvSource({"/proc/cpuinfo, @HOST", "/proc/net/dev, @HOST", "/sys, @HOST", "/dev, @HOST", "/proc, /proc"})
  void mountsOverWhatLxcfsEmulatesTheHostsSysOrDevOrProcfsItselfAreAllowed(String destination, String source)
      throws IOException {
    Path host = Files.createDirectories(dir.resolve("host"));
    SpecFixture f = new SpecFixture(dir);
    f.mounts = List.of(new Mount(destination, source.replace("@HOST", host.toString()), false, false,
        Propagation.PRIVATE));
    List<String> destinations = new ArrayList<>();
    f.spec().path("mounts").forEach(m -> destinations.add(m.path("destination").asText()));
    assertThat(destinations).contains(destination);
  }

  @ParameterizedTest(name = "{0} {1}, privileged {2}, AppArmor {3}")
  @CsvSource(delimiter = '|', value = {
      // containerd and CRI-O: the default for RuntimeDefault and for none, not for a privileged container
      "||false|true|podshim-default",
      "||true|true|",
      "RUNTIME_DEFAULT||false|true|podshim-default",
      "RUNTIME_DEFAULT||true|true|",
      "UNCONFINED||false|true|",
      "UNCONFINED||true|true|",
      // a Localhost profile is asked for by name: a privileged container gets it too
      "LOCALHOST|my-profile|false|true|my-profile",
      "LOCALHOST|localhost/my-profile|true|true|my-profile",
      // without AppArmor there is nothing to apply
      "||false|false|",
      "RUNTIME_DEFAULT||false|false|",
      "UNCONFINED||false|false|"})
  void apparmorProfiles(ProfileType type, String ref, boolean privileged, boolean enabled, String expected) {
    SpecFixture f = new SpecFixture(dir);
    f.apparmor = type == null ? null : new Profile(type, ref == null ? "" : ref);
    f.privileged = privileged;
    f.appArmorEnabled = enabled;
    f.appArmorLoaded = Set.of("my-profile");
    JsonNode process = f.spec().path("process");
    if (expected == null) {
      assertThat(process.has("apparmorProfile")).isFalse();
    } else {
      assertThat(process.path("apparmorProfile").asText()).isEqualTo(expected);
    }
  }

  @Test
  void aLocalhostApparmorProfileThatIsNotLoadedIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.appArmorEnabled = true;
    f.apparmor = new Profile(ProfileType.LOCALHOST, "localhost/not-loaded");
    f.assertInvalid("config.linux.security_context.apparmor: apparmor profile \"not-loaded\" is not loaded");
  }

  @Test
  void aLocalhostApparmorProfileWithoutApparmorIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.apparmor = new Profile(ProfileType.LOCALHOST, "my-profile");
    f.assertInvalid("config.linux.security_context.apparmor: apparmor is not enabled on this host, cannot apply"
        + " profile \"my-profile\"");
  }

  @ParameterizedTest
  @CsvSource({"true", "false"})
  void aLocalhostApparmorNameThatIsNoProfileNameIsInvalidWithOrWithoutApparmor(boolean enabled) {
    SpecFixture f = new SpecFixture(dir);
    f.appArmorEnabled = enabled;
    f.apparmor = new Profile(ProfileType.LOCALHOST, "localhost/../../etc/passwd");
    f.assertInvalid("config.linux.security_context.apparmor.localhost_ref: \"../../etc/passwd\" is not an apparmor"
        + " profile name");
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
