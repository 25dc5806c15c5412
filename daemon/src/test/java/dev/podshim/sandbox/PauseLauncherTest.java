package dev.podshim.sandbox;

import static dev.podshim.os.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.config.CgroupDriver;
import dev.podshim.errors.CriException;
import dev.podshim.errors.CriException.Kind;
import dev.podshim.os.Pidfd;
import dev.podshim.os.TestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** pause itself and its launcher, against real namespaces. Runs as root. */
class PauseLauncherTest {

  private static final int SIGINT = 2;
  private static final List<String> NAMESPACES = List.of("net", "ipc", "uts", "pid");
  private static final String UNPRIVILEGED_IDS = "65535\t65535\t65535\t65535"; // real to fs
  private static final String NO_CAPABILITIES = "0000000000000000";

  @TempDir static Path stateRoot;
  @TempDir Path dir;

  private static Path binary;
  private static Path nsenter;
  private Pauses pauses;

  @BeforeAll
  static void install() {
    nsenter = TestSupport.requireTool("nsenter", "util-linux");
    binary = PauseLauncher.installBinary(stateRoot);
  }

  @AfterEach
  void cleanUp() {
    if (pauses != null) {
      pauses.close();
    }
    NamespacePins.unpinAll(dir.resolve("ns"));
    TestSupport.unmountAllUnder(dir);
  }

  @Test
  void printsItsVersion() {
    assertThat(run(binary.toString(), "-v")).matches("pause \\d+\\.\\d+\\.\\d+\n");
  }

  @Test
  void installsItsBinaryUnderItsContentHash() throws Exception {
    byte[] content = Files.readAllBytes(binary);
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));

    assertThat(binary)
        .isEqualTo(stateRoot.resolve("bin").resolve("pause-" + hash.substring(0, 12)));
    assertThat(Files.getPosixFilePermissions(binary))
        .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
    Object inode = Files.getAttribute(binary, "unix:ino");

    assertThat(PauseLauncher.installBinary(stateRoot)).isEqualTo(binary);
    assertThat(Files.getAttribute(binary, "unix:ino")).as("not rewritten").isEqualTo(inode);
    try (Stream<Path> files = Files.list(binary.getParent())) {
      assertThat(files).containsExactly(binary); // no temp file left
    }
  }

  @Test
  void createsEveryNamespaceItIsAskedFor() throws IOException {
    PauseProcess pause = launch(new PauseSpec(true, true, true, true, "pod", Map.of()));

    for (String ns : NAMESPACES) {
      assertThat(namespace(pause.pid(), ns)).as(ns).isNotEqualTo(namespace(self(), ns));
    }
    assertThat(namespace(pause.pid(), "mnt")).isEqualTo(namespace(self(), "mnt"));
    assertThat(status(pause.pid(), "NSpid")).isEqualTo(pause.pid() + "\t1"); // PID 1 of the pod
  }

  @Test
  void createsOnlyTheNamespacesItIsAskedFor() throws IOException {
    PauseProcess pause = launch(new PauseSpec(true, false, false, false, null, Map.of()));

    assertThat(namespace(pause.pid(), "net")).isNotEqualTo(namespace(self(), "net"));
    for (String ns : List.of("ipc", "uts", "pid", "mnt")) {
      assertThat(namespace(pause.pid(), ns)).as(ns).isEqualTo(namespace(self(), ns));
    }
  }

  @Test
  void setsTheHostnameOfItsOwnUtsNamespaceOnly() throws IOException {
    String nodeHostname = Files.readString(Path.of("/proc/sys/kernel/hostname"));

    PauseProcess pause = launch(new PauseSpec(false, false, true, false, "web-0", Map.of()));

    assertThat(inNamespaces(pause, "--uts", "cat", "/proc/sys/kernel/hostname")).isEqualTo("web-0");
    assertThat(Path.of("/proc/sys/kernel/hostname")).hasContent(nodeHostname.strip());
  }

  @Test
  void setsNetworkSysctlsInThePodOnly() throws IOException {
    Path portStart = Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start");
    String nodeValue = sysctl(portStart);
    Map<String, String> sysctls = new LinkedHashMap<>();
    sysctls.put("net.ipv4.ip_unprivileged_port_start", "1234");
    sysctls.put("net/ipv4/conf/lo/forwarding", "1"); // a key with '/' is a path already

    PauseProcess pause = launch(new PauseSpec(true, false, false, false, null, sysctls));
    Path netns = NamespacePins.pin(pause.pid(), Namespace.NET, dir.resolve("ns"));

    assertThat(run(nsenter.toString(), "--net=" + netns, "cat", portStart.toString()).strip())
        .isEqualTo("1234");
    String loForwarding = "/proc/sys/net/ipv4/conf/lo/forwarding";
    assertThat(run(nsenter.toString(), "--net=" + netns, "cat", loForwarding).strip())
        .isEqualTo("1");
    assertThat(sysctl(portStart)).isEqualTo(nodeValue);
  }

  @Test
  void setsIpcSysctlsInThePodOnly() throws IOException {
    Path shmmax = Path.of("/proc/sys/kernel/shmmax");
    String nodeValue = sysctl(shmmax);

    PauseProcess pause =
        launch(new PauseSpec(false, true, false, false, null, Map.of("kernel.shmmax", "12345678")));

    assertThat(inNamespaces(pause, "--ipc", "cat", shmmax.toString())).isEqualTo("12345678");
    assertThat(sysctl(shmmax)).isEqualTo(nodeValue);
  }

  @Test
  void bringsLoopbackUp() {
    Path ip = TestSupport.requireTool("ip", "iproute2");

    PauseProcess pause = launch(new PauseSpec(true, false, false, false, null, Map.of()));

    String link = inNamespaces(pause, "--net", ip.toString(), "-o", "link", "show", "lo");
    String flags = link.substring(link.indexOf('<') + 1, link.indexOf('>'));
    assertThat(flags.split(",")).contains("LOOPBACK", "UP");
  }

  @Test
  void reapsEveryOrphanItInheritsAsPid1() throws IOException {
    PauseProcess pause = launch(new PauseSpec(false, false, false, true, null, Map.of()));
    String pid = Long.toString(pause.pid());
    Path children = Path.of("/proc", pid, "task", pid, "children");

    // sh exits at once: its background sleeps are reparented to PID 1 of the namespace.
    run(nsenter.toString(), "--target", pid, "--pid", "--",
        "sh", "-c", "for i in 1 2 3 4 5; do sleep 1000 </dev/null >/dev/null 2>&1 & done; exit 0");
    List<Long> orphans = pids(Files.readString(children));
    assertThat(orphans).hasSize(5);
    for (long orphan : orphans) {
      // a forked child runs as "sh" until its exec of sleep
      TestSupport.await("orphan " + orphan + " to exec sleep",
          () -> readOrEmpty(Path.of("/proc", Long.toString(orphan), "comm")).strip().equals("sleep"));
    }
    // Reaping needs no privilege: an unprivileged PID 1 reaps orphans of any user.
    assertThat(status(pause.pid(), "Uid")).as("pause").isEqualTo(UNPRIVILEGED_IDS);
    assertThat(status(pause.pid(), "CapEff")).as("pause").isEqualTo(NO_CAPABILITIES);
    assertThat(status(orphans.getFirst(), "Uid")).as("orphan").startsWith("0\t");

    // Killed together, their SIGCHLDs coalesce: the reaping loop must still get every one.
    List<Pidfd> pidfds = new ArrayList<>();
    try {
      orphans.forEach(orphan -> pidfds.add(Pidfd.open(orphan)));
      pidfds.forEach(p -> p.signal(Pidfd.SIGKILL));
      pidfds.forEach(TestSupport::awaitExit);
      TestSupport.await("pause to reap its orphans", () -> readOrEmpty(children).isBlank());
    } finally {
      pidfds.forEach(Pidfd::close);
    }

    for (long orphan : orphans) {
      assertThat(Path.of("/proc", Long.toString(orphan))).as("no zombie left").doesNotExist();
    }
    assertThat(pauses.pidfd(pause).isAlive()).isTrue();
  }

  @ParameterizedTest(name = "signal {0}, own pid namespace {1}")
  @CsvSource({"15, true", "15, false", "2, true", "2, false"})
  void exitsZeroOnSigtermAndSigint(int signal, boolean newPid) {
    assertThat(signal).isIn(Pidfd.SIGTERM, SIGINT);
    PauseProcess pause = launch(new PauseSpec(false, false, false, newPid, null, Map.of()));
    Pidfd pidfd = pauses.pidfd(pause);

    pidfd.signal(signal);
    TestSupport.awaitExit(pidfd);

    assertThat(pidfd.tryReap()).hasValue(0);
  }

  /**
   * The namespaces RunPodSandbox asks for (SandboxService.namespacesOf): net and UTS together
   * unless the pod uses the host network, IPC unless it uses the host's, PID in POD mode.
   */
  static Stream<Arguments> podNamespaces() {
    List<Arguments> combinations = new ArrayList<>();
    for (boolean netAndUts : List.of(true, false)) {
      for (boolean ipc : List.of(true, false)) {
        for (boolean pid : List.of(true, false)) {
          combinations.add(Arguments.of(netAndUts, ipc, pid));
        }
      }
    }
    return combinations.stream();
  }

  @ParameterizedTest(name = "net and uts {0}, ipc {1}, pid {2}")
  @MethodSource("podNamespaces")
  void runsUnprivilegedOnceItsPidIsReportedAndStillExitsZeroOnSigterm(
      boolean netAndUts, boolean ipc, boolean pid) throws IOException {
    Map<String, String> sysctls = new LinkedHashMap<>();
    if (netAndUts) {
      sysctls.put("net.ipv4.ip_unprivileged_port_start", "80");
    }
    if (ipc) {
      sysctls.put("kernel.shmmax", "12345678");
    }
    PauseProcess pause = launch(
        new PauseSpec(netAndUts, ipc, netAndUts, pid, netAndUts ? "pod" : null, sysctls));

    // Already so when launch returns: the daemon never sees this pause privileged.
    assertThat(status(pause.pid(), "Uid")).isEqualTo(UNPRIVILEGED_IDS);
    assertThat(status(pause.pid(), "Gid")).isEqualTo(UNPRIVILEGED_IDS);
    assertThat(status(pause.pid(), "Groups")).isEmpty();
    for (String set : List.of("CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd")) {
      assertThat(status(pause.pid(), set)).as(set).isEqualTo(NO_CAPABILITIES);
    }
    assertThat(status(pause.pid(), "NoNewPrivs")).isEqualTo("1");
    assertThat(status(pause.pid(), "NSpid")).isEqualTo(pid ? pause.pid() + "\t1" : "" + pause.pid());

    Pidfd pidfd = pauses.pidfd(pause);
    pidfd.signal(Pidfd.SIGTERM); // from root, as PauseSupervisor.stop sends it
    TestSupport.awaitExit(pidfd);
    assertThat(pidfd.tryReap()).hasValue(0);
  }

  @Test
  void theDaemonStillPinsAndPlacesAnUnprivilegedPause() throws IOException {
    List<PodCgroups.Hierarchy> hierarchies = PodCgroups.mounted(Path.of("/proc/self/mountinfo"));
    assertThat(hierarchies).as("cgroup hierarchies mounted").isNotEmpty();
    PodCgroups cgroups = new PodCgroups(CgroupDriver.CGROUPFS, hierarchies);
    String path = cgroups.pathFor(
        "/podshim-test-" + UUID.randomUUID().toString().substring(0, 8) + "/pod", "pause");
    List<String> created = cgroups.create(path);
    try {
      PauseProcess pause = launch(new PauseSpec(true, true, true, true, "pod", Map.of()));
      assertThat(status(pause.pid(), "Uid")).isEqualTo(UNPRIVILEGED_IDS);

      // What SandboxService does right after launch, in the same order.
      for (Namespace ns : Namespace.values()) {
        Path pin = NamespacePins.pin(pause.pid(), ns, dir.resolve("ns"));
        String target = namespace(pause.pid(), ns.procName()); // "net:[4026532281]"
        assertThat(Files.getAttribute(pin, "unix:ino").toString()).as(ns.procName())
            .isEqualTo(target.substring(target.indexOf('[') + 1, target.length() - 1));
      }
      cgroups.attach(path, pause.pid());

      assertThat(Files.readAllLines(Path.of("/proc", Long.toString(pause.pid()), "cgroup")))
          .allSatisfy(line -> assertThat(line).endsWith(path));
      String uts = dir.resolve("ns").resolve("uts").toString();
      assertThat(run(nsenter.toString(), "--uts=" + uts, "cat", "/proc/sys/kernel/hostname"))
          .isEqualTo("pod\n");
      Pidfd pidfd = pauses.pidfd(pause);
      pidfd.signal(Pidfd.SIGTERM);
      TestSupport.awaitExit(pidfd);
      assertThat(pidfd.tryReap()).hasValue(0); // reaped, so its cgroup can go
    } finally {
      cgroups.remove(created);
    }
    for (String cgroup : created) {
      assertThat(Path.of(cgroup)).doesNotExist();
    }
  }

  @Test
  void failsTheLaunchWithTheReasonWhenItCannotDropPrivileges() throws IOException {
    Path setpriv = TestSupport.requireTool("setpriv", "util-linux");
    pauses = new Pauses(binary);
    // Without CAP_SETUID pause still makes its namespaces, but cannot give up root.
    Path withoutSetuid = dir.resolve("pause-without-setuid");
    Files.writeString(withoutSetuid,
        "#!/bin/sh\nexec " + setpriv + " --bounding-set=-setuid " + binary + " \"$@\"\n");
    Files.setPosixFilePermissions(withoutSetuid, PosixFilePermissions.fromString("rwxr-xr-x"));
    PauseLauncher launcher = new PauseLauncher(withoutSetuid);

    for (boolean newPid : List.of(true, false)) {
      assertThatThrownBy(() -> launcher.launch(
              new PauseSpec(true, false, false, newPid, null, Map.of())))
          .isInstanceOfSatisfying(CriException.class,
              e -> assertThat(e.kind()).isEqualTo(Kind.INTERNAL))
          .hasMessage("start pause: setresuid 65535: Operation not permitted");
    }
    assertThat(pauses.running()).isEmpty();
    assertThat(zombieChildren()).as("the holder was reaped by pause").isEmpty();
  }

  static Stream<Arguments> unsettableSysctls() {
    return Stream.of(
        Arguments.of(true, "net.ipv4.no_such_sysctl", "1", "No such file or directory"),
        Arguments.of(
            true, "net.ipv4.ip_unprivileged_port_start", "not-a-number", "Invalid argument"),
        Arguments.of(true, "vm.swappiness", "1", "not isolated"),
        Arguments.of(false, "net.ipv4.ip_unprivileged_port_start", "1", "not isolated"),
        Arguments.of(true, "net/../vm/swappiness", "1", "invalid name"));
  }

  @ParameterizedTest(name = "{1}={2} with new netns {0}")
  @MethodSource("unsettableSysctls")
  void refusesASysctlItCannotSetAndLeavesNothing(
      boolean newNet, String key, String value, String reason) {
    pauses = new Pauses(binary);
    PauseLauncher launcher = new PauseLauncher(binary);

    assertThatThrownBy(() -> launcher.launch(
            new PauseSpec(newNet, false, false, false, null, Map.of(key, value))))
        .isInstanceOfSatisfying(CriException.class,
            e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT))
        .hasMessageStartingWith("sysctl " + key + ": ")
        .hasMessageContaining(reason);
    assertThat(pauses.running()).isEmpty();
  }

  @Test
  void rejectsASysctlNameItCannotPass() {
    PauseLauncher launcher = new PauseLauncher(binary);

    assertThatThrownBy(() -> launcher.launch(
            new PauseSpec(true, false, false, false, null, Map.of("a=b", "1"))))
        .isInstanceOfSatisfying(CriException.class,
            e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT))
        .hasMessage("sysctl a=b: invalid name");
  }

  @Test
  void reportsOtherFailuresAsInternalWithPausesReason() {
    pauses = new Pauses(binary);
    PauseLauncher launcher = new PauseLauncher(binary);
    String tooLong = "h".repeat(65);

    assertThatThrownBy(() -> launcher.launch(
            new PauseSpec(false, false, true, false, tooLong, Map.of())))
        .isInstanceOfSatisfying(CriException.class,
            e -> assertThat(e.kind()).isEqualTo(Kind.INTERNAL))
        .hasMessage("start pause: sethostname " + tooLong + ": Invalid argument");
    assertThat(pauses.running()).isEmpty();

    PauseLauncher missing = new PauseLauncher(dir.resolve("no-such-pause"));
    PauseSpec nothing = new PauseSpec(false, false, false, false, null, Map.of());
    assertThatThrownBy(() -> missing.launch(nothing))
        .isInstanceOfSatisfying(CriException.class,
            e -> assertThat(e.kind()).isEqualTo(Kind.INTERNAL))
        .hasMessage("start pause: posix_spawn " + dir.resolve("no-such-pause")
            + ": No such file or directory");
  }

  @Test
  void startsPauseCleanAndReapsItsLauncher() throws IOException {
    PauseProcess pause = launch(new PauseSpec(true, false, false, false, null, Map.of()));
    String pid = Long.toString(pause.pid());

    assertThat(Files.readAllBytes(Path.of("/proc", pid, "environ"))).as("environment").isEmpty();
    assertThat(Files.readSymbolicLink(Path.of("/proc", pid, "fd", "0")))
        .isEqualTo(Path.of("/dev/null"));
    // Nothing of the JVM's mask (its threads block SIGQUIT). pause's own SIGINT, SIGTERM and
    // SIGCHLD do not show either: sigwaitinfo unblocks what it waits for while it waits.
    assertThat(status(pause.pid(), "SigBlk")).isEqualTo("0000000000000000");
    assertThat(status(pause.pid(), "SigIgn")).isEqualTo("0000000000000000");
    // The pause that forked it has exited and was reaped: no zombie child of ours is left.
    assertThat(zombieChildren()).isEmpty();
  }

  @Test
  void staysSmall() throws IOException {
    PauseProcess pause = launch(new PauseSpec(true, true, true, true, "pod",
        Map.of("net.ipv4.ip_unprivileged_port_start", "80")));

    long rssKib = Long.parseLong(status(pause.pid(), "VmRSS").replace("kB", "").strip());
    System.out.println("pause VmRSS: " + rssKib + " kB");
    assertThat(rssKib).as("sanity bound, not a budget").isLessThan(4096);
  }

  private PauseProcess launch(PauseSpec spec) {
    if (pauses == null) {
      pauses = new Pauses(binary);
    }
    return pauses.launch(spec);
  }

  private static String inNamespaces(PauseProcess pause, String... namespacesAndCommand) {
    List<String> command =
        new ArrayList<>(List.of(nsenter.toString(), "--target", Long.toString(pause.pid())));
    command.addAll(Arrays.asList(namespacesAndCommand));
    return run(command.toArray(String[]::new)).strip();
  }

  private static String namespace(long pid, String ns) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", ns)).toString();
  }

  private static long self() {
    return ProcessHandle.current().pid();
  }

  private static String status(long pid, String field) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
        .filter(line -> line.startsWith(field + ":"))
        .map(line -> line.substring(field.length() + 1).strip())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + field + " in status of " + pid));
  }

  private static List<Long> zombieChildren() throws IOException {
    List<Long> zombies = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        for (long child : pids(readOrEmpty(task.resolve("children")))) {
          String stat = readOrEmpty(Path.of("/proc", Long.toString(child), "stat"));
          if (stat.startsWith("Z", stat.lastIndexOf(')') + 2)) {
            zombies.add(child);
          }
        }
      }
    }
    return zombies;
  }

  private static List<Long> pids(String text) {
    return Arrays.stream(text.strip().split("\\s+"))
        .filter(s -> !s.isEmpty())
        .map(Long::parseLong)
        .toList();
  }

  // Not Files.readString: a sysctl file reads as EOF at any offset but 0, and Java's
  // readAllBytes of a file that claims size 0 starts with a 1-byte read.
  private static String sysctl(Path file) throws IOException {
    return Files.readAllLines(file).getFirst().strip();
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
