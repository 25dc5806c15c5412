package dev.podshim.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import dev.podshim.os.IdmappedMount;
import dev.podshim.os.Mounts;
import dev.podshim.os.OsException;
import dev.podshim.os.TestSupport;
import dev.podshim.store.UserNamespace;
import dev.podshim.store.UserNamespace.IdMapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod's own user namespace, for real (as root): pause makes it with the pod's mappings, the
 * other namespaces belong to it, it is pinned like them, and id-mapped mounts made with it show
 * host root's files as the pod root's, on ext4 and tmpfs.
 */
class PodUserNamespaceTest {
  private static final long HOST = 1_500_000;
  private static final UserNamespace POD =
      UserNamespace.pod(new IdMapping(0, HOST, 65536), new IdMapping(0, HOST, 65536));

  @TempDir static Path stateRoot;
  @TempDir Path dir;

  private static Path binary;
  private static Path lsns;
  private static Path nsenter;
  private Pauses pauses;

  @BeforeAll
  static void install() {
    lsns = TestSupport.requireTool("lsns", "util-linux");
    nsenter = TestSupport.requireTool("nsenter", "util-linux");
    binary = PauseLauncher.installBinary(stateRoot);
  }

  @BeforeEach
  void setUp() {
    pauses = new Pauses(binary);
  }

  @AfterEach
  void cleanUp() {
    pauses.close();
    TestSupport.unmountAllUnder(dir);
  }

  @Test
  void pauseMakesTheUserNamespaceFirstAndTheOthersBelongToIt() throws Exception {
    PauseProcess pause = pauses.launch(new PauseSpec(true, true, true, true, "userns-pod",
        Map.of("net.ipv4.ip_unprivileged_port_start", "80"), POD));

    Path proc = Path.of("/proc", Long.toString(pause.pid()));
    assertThat(Files.readString(proc.resolve("uid_map")).trim().split("\\s+")).containsExactly("0", "1500000", "65536");
    assertThat(Files.readString(proc.resolve("gid_map")).trim().split("\\s+")).containsExactly("0", "1500000", "65536");
    // the holder is 65535 in the pod: an unprivileged host id, outside the node's users
    assertThat(statusLine(proc, "Uid:")).containsExactly("1565535", "1565535", "1565535", "1565535");
    assertThat(statusLine(proc, "Gid:")).containsExactly("1565535", "1565535", "1565535", "1565535");

    Map<String, String[]> namespaces = namespacesOf(pause.pid());
    String userns = namespaces.get("user")[0];
    assertThat(userns).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString()
        .replaceAll("\\D", ""));
    for (String type : List.of("net", "ipc", "uts", "pid")) {
      assertThat(namespaces.get(type)[1]).as("owner of the %s namespace", type).isEqualTo(userns);
    }
    // the pod's root administers its network namespace: pause set a sysctl in it
    assertThat(TestSupport.run(nsenter.toString(), "--net=" + proc.resolve("ns/net"), "cat",
        "/proc/sys/net/ipv4/ip_unprivileged_port_start").trim()).isEqualTo("80");
  }

  @Test
  void aShortMappingLeavesTheHolderThePodsRoot() throws Exception {
    UserNamespace small = UserNamespace.pod(new IdMapping(0, HOST, 1000), new IdMapping(0, HOST, 1000));
    PauseProcess pause = pauses.launch(new PauseSpec(true, false, false, false, null, Map.of(), small));

    assertThat(statusLine(Path.of("/proc", Long.toString(pause.pid())), "Uid:")).containsOnly("1500000");
  }

  @Test
  void mappingsTheKernelRefusesFailTheLaunchAndLeaveNoProcess() {
    // past the last uid: pause's parent cannot write the map
    UserNamespace overflowing = UserNamespace.pod(new IdMapping(0, 4_294_967_000L, 65536),
        new IdMapping(0, HOST, 65536));

    assertThatThrownBy(() -> pauses.launch(new PauseSpec(true, false, false, false, null, Map.of(), overflowing)))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.INTERNAL);
          assertThat(e.getMessage()).contains("uid_map");
        });
    assertThat(pauses.running()).isEmpty();
  }

  @Test
  void theUserNamespaceIsPinnedAndUnpinnedLikeTheOthers() throws IOException {
    PauseProcess pause = pauses.launch(new PauseSpec(true, false, false, false, null, Map.of(), POD));
    Path nsDir = dir.resolve("ns");

    Path pin = NamespacePins.pin(pause.pid(), Namespace.USER, nsDir);
    String inode = Files.readSymbolicLink(Path.of("/proc", Long.toString(pause.pid()), "ns", "user")).toString();
    pauses.close(); // kills and reaps pause

    assertThat(Mounts.isMountPoint(pin)).isTrue();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(inode);
    NamespacePins.unpinAll(nsDir);
    assertThat(nsDir).doesNotExist();
  }

  @Test
  void idMappedMountsShowHostRootsFilesAsThePodRootsOnExt4AndTmpfs() throws IOException {
    PauseProcess pause = pauses.launch(new PauseSpec(true, false, false, false, null, Map.of(), POD));
    Path nsDir = dir.resolve("ns");
    Path userns = NamespacePins.pin(pause.pid(), Namespace.USER, nsDir);
    Path disk = Files.createDirectory(dir.resolve("disk"));
    Files.writeString(disk.resolve("file"), "x");
    Path tmpfs = Files.createDirectory(dir.resolve("tmpfs"));
    Mounts.tmpfs(tmpfs, "mode=755");
    Files.writeString(tmpfs.resolve("file"), "y");

    for (Path source : List.of(disk, tmpfs)) {
      Path mapped = Files.createDirectory(dir.resolve("mapped-" + source.getFileName()));
      IdmappedMount.mount(source, mapped, userns, false);
      assertThat(Files.getAttribute(mapped.resolve("file"), "unix:uid")).as("%s", source).isEqualTo((int) HOST);
      assertThat(Files.getAttribute(mapped, "unix:gid")).as("%s", source).isEqualTo((int) HOST);
      // on disk nothing changed
      assertThat(Files.getAttribute(source.resolve("file"), "unix:uid")).isEqualTo(0);
      Mounts.unmount(mapped);
    }
    NamespacePins.unpinAll(nsDir);
  }

  @Test
  void aFilesystemWithoutIdMappedMountsIsRefusedWithEinval() {
    PauseProcess pause = pauses.launch(new PauseSpec(true, false, false, false, null, Map.of(), POD));
    Path userns = NamespacePins.pin(pause.pid(), Namespace.USER, dir.resolve("ns"));

    // procfs takes no id mapping
    assertThatThrownBy(() -> IdmappedMount.mount(Path.of("/proc"), dir, userns, false))
        .isInstanceOfSatisfying(OsException.class, e -> assertThat(e.errno()).isEqualTo(OsException.EINVAL));
    NamespacePins.unpinAll(dir.resolve("ns"));
  }

  private static String[] statusLine(Path proc, String key) throws IOException {
    return Files.readAllLines(proc.resolve("status")).stream().filter(l -> l.startsWith(key)).findFirst()
        .orElseThrow().substring(key.length()).trim().split("\\s+");
  }

  /** Type → [namespace inode, owning user namespace inode], as lsns reads them. */
  private static Map<String, String[]> namespacesOf(long pid) throws Exception {
    Process p = new ProcessBuilder(lsns.toString(), "--raw", "--noheadings", "-o", "TYPE,NS,ONS", "-p",
        Long.toString(pid)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    Map<String, String[]> result = new HashMap<>();
    for (String line : out.strip().split("\n")) {
      String[] f = line.trim().split("\\s+");
      result.put(f[0], new String[] {f[1], f.length > 2 ? f[2] : ""});
    }
    return result;
  }
}
