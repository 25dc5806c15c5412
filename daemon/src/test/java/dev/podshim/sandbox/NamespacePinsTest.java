package dev.podshim.sandbox;

import static dev.podshim.os.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import dev.podshim.errors.CriException.Kind;
import dev.podshim.os.Mounts;
import dev.podshim.os.Pidfd;
import dev.podshim.os.TestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NamespacePinsTest {

  private static final String PORT_START = "/proc/sys/net/ipv4/ip_unprivileged_port_start";

  @TempDir static Path stateRoot;
  @TempDir Path dir;

  private static Path binary;
  private static Path nsenter;
  private Pauses pauses;
  private Path nsDir;

  @BeforeAll
  static void install() {
    nsenter = TestSupport.requireTool("nsenter", "util-linux");
    binary = PauseLauncher.installBinary(stateRoot);
  }

  @BeforeEach
  void setUp() throws IOException {
    pauses = new Pauses(binary);
    nsDir = Files.createDirectory(dir.resolve("sandbox")).resolve("ns");
  }

  @AfterEach
  void cleanUp() {
    pauses.close();
    TestSupport.unmountAllUnder(dir);
  }

  @Test
  void pinsKeepNamespacesAliveAfterPauseAndUnpinLeavesNothing() throws IOException {
    PauseProcess pause = pauses.launch(new PauseSpec(true, true, true, false, "pinned",
        Map.of("net.ipv4.ip_unprivileged_port_start", "2345")));

    for (Namespace ns : new Namespace[] {Namespace.NET, Namespace.IPC, Namespace.UTS}) {
      Path pin = NamespacePins.pin(pause.pid(), ns, nsDir);

      assertThat(pin).isEqualTo(nsDir.resolve(ns.procName()));
      assertThat(Mounts.isMountPoint(pin)).as(ns.procName()).isTrue();
      // The pin is the namespace itself: nsfs shows its inode, as /proc/<pid>/ns does.
      Path nsLink = Path.of("/proc", Long.toString(pause.pid()), "ns", ns.procName());
      String link = Files.readSymbolicLink(nsLink).toString();
      assertThat(link).isEqualTo(ns.procName() + ":[" + Files.getAttribute(pin, "unix:ino") + "]");
    }
    assertThat(Files.getPosixFilePermissions(nsDir))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(TestSupport.mountsUnder(nsDir)).hasSize(3);

    Pidfd pidfd = pauses.pidfd(pause);
    pidfd.signal(Pidfd.SIGKILL);
    TestSupport.awaitExit(pidfd);
    assertThat(pidfd.tryReap()).hasValue(128 + Pidfd.SIGKILL);

    assertThat(run(nsenter.toString(), "--net=" + nsDir.resolve("net"), "cat", PORT_START).strip())
        .as("the pod's netns outlives pause").isEqualTo("2345");
    String uts = "--uts=" + nsDir.resolve("uts");
    assertThat(run(nsenter.toString(), uts, "cat", "/proc/sys/kernel/hostname").strip())
        .isEqualTo("pinned");

    NamespacePins.unpinAll(nsDir);

    assertThat(TestSupport.mountsUnder(dir)).isEmpty();
    assertThat(nsDir).doesNotExist();
    NamespacePins.unpinAll(nsDir); // idempotent
  }

  @Test
  void unpinAllOfAMissingDirectoryDoesNothing() {
    NamespacePins.unpinAll(dir.resolve("never-created"));
  }

  @Test
  void unpinAllNeverFollowsSymlinksOutOfTheDirectory() throws IOException {
    Path outside = Files.createDirectory(dir.resolve("outside"));
    Path mountedOutside = Files.createDirectory(outside.resolve("mounted"));
    Path keep = Files.writeString(outside.resolve("keep"), "keep");
    Mounts.bind(Files.createDirectory(dir.resolve("source")), mountedOutside);
    Files.createDirectories(nsDir);
    Files.createSymbolicLink(nsDir.resolve("net"), mountedOutside);
    Files.createSymbolicLink(nsDir.resolve("ipc"), keep);
    Path linkedDir = Files.createSymbolicLink(dir.resolve("linked-ns"), outside);

    NamespacePins.unpinAll(nsDir);
    NamespacePins.unpinAll(linkedDir);

    assertThat(nsDir).doesNotExist();
    assertThat(linkedDir).doesNotExist();
    assertThat(Mounts.isMountPoint(mountedOutside)).isTrue();
    assertThat(keep).hasContent("keep");
  }

  @Test
  void pinningTwiceIsAlreadyExists() {
    PauseProcess pause = pauses.launch(new PauseSpec(true, false, false, false, null, Map.of()));
    NamespacePins.pin(pause.pid(), Namespace.NET, nsDir);

    assertThatThrownBy(() -> NamespacePins.pin(pause.pid(), Namespace.NET, nsDir))
        .isInstanceOfSatisfying(CriException.class,
            e -> assertThat(e.kind()).isEqualTo(Kind.ALREADY_EXISTS));
    assertThat(TestSupport.mountsUnder(nsDir)).hasSize(1);
  }

  @Test
  void aFailedPinLeavesNoFileBehind() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();

    assertThatThrownBy(() -> NamespacePins.pin(gone.pid(), Namespace.NET, nsDir))
        .isInstanceOfSatisfying(CriException.class,
            e -> assertThat(e.kind()).isEqualTo(Kind.INTERNAL))
        .hasMessageStartingWith("pin net namespace of pid " + gone.pid() + ": ");
    assertThat(nsDir.resolve("net")).doesNotExist();
  }
}
