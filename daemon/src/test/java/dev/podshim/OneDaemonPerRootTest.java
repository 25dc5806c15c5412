package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.VersionRequest;
import dev.podshim.os.Prctl;
import dev.podshim.os.TestSupport;
import dev.podshim.testing.Children;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import dev.podshim.testing.TestNetwork;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real daemon processes: a second daemon on a locked state root is refused, and no daemon deletes another's socket. */
class OneDaemonPerRootTest {
  /** JVM start-up and a refusal; a daemon that went on to recover would take longer, then never exit. */
  private static final Duration REFUSED_WITHIN = Duration.ofSeconds(15);

  @TempDir Path dir;
  private final List<DaemonProcess> daemons = new ArrayList<>();
  private final Set<Path> roots = new LinkedHashSet<>();

  @BeforeAll
  static void subreaper() {
    Prctl.setChildSubreaper(); // a killed daemon's pause processes come to us, as to systemd
  }

  private DaemonProcess daemon(Path root, Path socket) throws Exception {
    roots.add(root);
    DaemonProcess daemon = new DaemonProcess(root, socket);
    daemons.add(daemon);
    return daemon;
  }

  private DaemonProcess daemon(Path root) throws Exception {
    return daemon(root, root.resolve("run/podshim.sock"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (DaemonProcess daemon : daemons) {
      daemon.close();
    }
    for (Path root : roots) {
      try (DaemonProcess last = new DaemonProcess(root).start()) {
        for (PodSandbox p : list(last)) {
          last.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
        last.terminate();
      }
      Children.reapExited();
      new TestNetwork(root).close();
      assertThat(NodeLeaks.of(root).empty()).as("left behind: %s", NodeLeaks.of(root)).isTrue();
    }
  }

  private static List<PodSandbox> list(DaemonProcess daemon) {
    return daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
  }

  private static Object fileKey(Path file) throws Exception {
    return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }

  private static @Nullable Object fileKeyOrNull(Path file) {
    try {
      return fileKey(file);
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void aSecondDaemonOnTheSameRootExitsAtOnceNamingTheHolderAndLeavesItsSocketAlone() throws Exception {
    Path root = dir.resolve("root");
    DaemonProcess first = daemon(root).start();
    Object socketBefore = fileKey(first.socket);

    DaemonProcess.Exit second = daemon(root).runToExit(Duration.ofSeconds(60));

    assertThat(second.code()).as(second.output()).isEqualTo(1);
    assertThat(second.took()).as(second.output()).isLessThan(REFUSED_WITHIN);
    assertThat(second.output())
        .contains("podshimd: state root " + root + " is in use by podshimd pid " + first.pid() + "; refusing to start")
        .doesNotContain("listening");
    assertThat(fileKey(first.socket)).as("the first daemon's socket file").isEqualTo(socketBefore);
    assertThat(first.runtime.version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("podshim");

    assertThat(first.terminate()).isZero();
    assertThat(first.socket).doesNotExist();
  }

  @Test
  void killMinus9ReleasesTheRootWhilePodsOfThatDaemonLiveOn() throws Exception {
    Path root = dir.resolve("root");
    DaemonProcess killed = daemon(root).start();
    killed.runtime.runPodSandbox(Pods.run(Pods.config("outlives")));

    killed.kill9();
    DaemonProcess next = daemon(root).start();

    assertThat(list(next)).extracting(PodSandbox::getState).containsExactly(PodSandboxState.SANDBOX_READY);
    assertThat(root.resolve(StateRootLock.FILE_NAME)).hasContent(next.pid() + "\n");
  }

  @Test
  void aDaemonThatExitsLeavesTheSocketAnotherDaemonHasTakenOver() throws Exception {
    Path socket = dir.resolve("shared.sock");
    DaemonProcess first = daemon(dir.resolve("a"), socket).start();
    Object firstSocket = fileKey(socket);
    // another root, so not refused; start() may return on the first daemon's answer, so wait for the takeover
    DaemonProcess second = daemon(dir.resolve("b"), socket).start();
    TestSupport.await("the second daemon to bind the socket", () -> !firstSocket.equals(fileKeyOrNull(socket)));

    assertThat(first.terminate()).isZero();

    assertThat(socket).as("the second daemon's socket").exists();
    assertThat(second.runtime.withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS)
        .version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("podshim");
    assertThat(second.terminate()).isZero();
    assertThat(socket).doesNotExist();
  }
}
