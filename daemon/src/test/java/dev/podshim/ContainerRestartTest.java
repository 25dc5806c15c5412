package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.Mount;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.os.Mounts;
import dev.podshim.os.Pidfd;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.Containers;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon process with running containers (in a pod user namespace too): kill -9 loses
 * none, exits while it is down are seen, image volumes keep their holders.
 */
class ContainerRestartTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @TempDir static Path shared;
  static ImageTestRegistry registry;
  static String busybox;
  static String data;

  @TempDir Path root;
  DaemonProcess daemon;

  @BeforeAll
  static void setUp() throws Exception {
    Prctl.setChildSubreaper(); // a killed daemon's conmons come to us, as to systemd
    registry = ImageTestRegistry.start(shared.resolve("registry"));
    busybox = registry.pushBusybox("test/busybox", "1");
    data = registry.pushVolumeData("test/data", "1");
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (daemon != null) {
      try {
        for (PodSandbox p : daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
          daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
        daemon.terminate();
      } finally {
        daemon.close();
      }
    }
    Children.reapExited();
    new dev.podshim.testing.TestNetwork(root).close();
    assertThat(NodeLeaks.of(root).empty()).as("left behind: %s", NodeLeaks.of(root)).isTrue();
  }

  private String runContainer(String podId, PodSandboxConfig.Builder pod, String name, String... command) {
    String id = daemon.runtime.createContainer(Containers.create(podId, pod, Containers.config(name, busybox, command)))
        .getContainerId();
    daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  private long pidOf(String id) {
    String info = daemon.runtime.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id)
        .setVerbose(true).build()).getInfoMap().get("info");
    return Long.parseLong(info.replaceAll("(?s).*\"pid\":(\\d+).*", "$1"));
  }

  @Test
  void killMinus9KeepsRunningContainersAndSeesExitsWhileDown() throws Exception {
    daemon = new DaemonProcess(root).start();
    daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
    PodSandboxConfig.Builder pod = Pods.config("p");
    String podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
    String server = runContainer(podId, pod, "server", "sleep", "1000");
    String job = runContainer(podId, pod, "job", "sh", "-c", "sleep 2; exit 5");
    long serverPid = pidOf(server);

    daemon.kill9();
    // the link of a container removed by an older daemon that left it behind
    Path stale = java.nio.file.Files.createSymbolicLink(root.resolve("sockets").resolve("ab".repeat(32)),
        root.resolve("containers").resolve("ab".repeat(32)));
    Thread.sleep(3000); // the job ends while no daemon runs
    daemon = new DaemonProcess(root).start();
    assertThat(NodeLeaks.of(root).sockets()).as("links of containers that exist, and only those")
        .containsExactlyInAnyOrder(server, job);
    assertThat(stale).doesNotExist();

    assertThat(Containers.status(daemon.runtime, server).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(pidOf(server)).isEqualTo(serverPid);
    try (Pidfd pidfd = Pidfd.open(serverPid)) {
      assertThat(pidfd.isAlive()).isTrue();
    }
    var exited = Containers.status(daemon.runtime, job);
    assertThat(exited.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(exited.getExitCode()).isEqualTo(5);

    // its conmon is watched again: a stop is seen through to the exit
    daemon.runtime.stopContainer(StopContainerRequest.newBuilder().setContainerId(server).setTimeout(0).build());
    var stopped = Containers.awaitState(daemon.runtime, server, ContainerState.CONTAINER_EXITED, WAIT);
    assertThat(stopped.getExitCode()).isEqualTo(137);
  }

  private String runWithImageVolume(String podId, PodSandboxConfig.Builder pod, String name) {
    ContainerConfig.Builder config = Containers.config(name, busybox, "sleep", "1000").addMounts(Mount.newBuilder()
        .setContainerPath("/vol").setImage(ImageSpec.newBuilder().setImage(data)).setReadonly(true));
    String id = daemon.runtime.createContainer(Containers.create(podId, pod, config)).getContainerId();
    daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  private String readImageVolume(String id) {
    return daemon.runtime.execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(10)
        .addAllCmd(List.of("cat", "/vol/data/hello.txt")).build()).getStdout().toStringUtf8().trim();
  }

  /** Image volumes: holds survive, stale ones go, a volume whose mount is gone (a reboot) is mounted again. */
  @Test
  void killMinus9KeepsImageVolumeHoldsDropsStaleOnesAndRemountsAfterAReboot() throws Exception {
    daemon = new DaemonProcess(root).start();
    for (String image : List.of(busybox, data)) {
      daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
    }
    PodSandboxConfig.Builder pod = Pods.config("p");
    String podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
    String first = runWithImageVolume(podId, pod, "first");
    Path volume = onlyVolume();

    daemon.kill9();
    // a hold of a container that is gone, and a volume whose mount a crash interrupted
    Files.writeString(volume.resolve("holders").resolve("ab".repeat(32)), "");
    Path halfMade = Files.createDirectories(root.resolve("images/volumes").resolve("cd".repeat(32)).resolve("rootfs"));
    daemon = new DaemonProcess(root).start();
    assertThat(holders(volume)).containsExactly(first);
    assertThat(halfMade.getParent()).doesNotExist();
    assertThat(Mounts.isMountPoint(volume.resolve("rootfs"))).isTrue();
    assertThat(readImageVolume(first)).isEqualTo("hello from an image volume");

    // a reboot takes the mount while the state stays: the next container mounts it again
    daemon.kill9();
    Mounts.unmount(volume.resolve("rootfs"));
    daemon = new DaemonProcess(root).start();
    String second = runWithImageVolume(podId, pod, "second");
    assertThat(readImageVolume(second)).isEqualTo("hello from an image volume");
    assertThat(holders(volume)).containsExactlyInAnyOrder(first, second);
    assertThat(NodeLeaks.of(root).mounts().stream().filter(m -> m.startsWith(volume.toString()))).hasSize(1);

    daemon.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(first).build());
    daemon.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(second).build());
    assertThat(volume).doesNotExist();
  }

  private Path onlyVolume() throws IOException {
    try (var entries = Files.list(root.resolve("images/volumes"))) {
      List<Path> all = entries.toList();
      assertThat(all).hasSize(1);
      return all.getFirst();
    }
  }

  private static List<String> holders(Path volume) throws IOException {
    try (var entries = Files.list(volume.resolve("holders"))) {
      return entries.map(p -> p.getFileName().toString()).toList();
    }
  }

  private String uidMap(String id) {
    return daemon.runtime.execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("cat")
        .addCmd("/proc/self/uid_map").setTimeout(10).build()).getStdout().toStringUtf8().trim();
  }

  /** A pod in its own user namespace keeps it over a kill -9; removal afterwards leaves no pin or id-mapped mount. */
  @Test
  void killMinus9KeepsAUserNamespacePodAndItsRemovalLeavesNothing(@TempDir Path volume) throws Exception {
    daemon = new DaemonProcess(root).start();
    daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
    PodSandboxConfig.Builder pod = Pods.config("userns");
    pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(Pods.userNamespace(2_100_000));
    String podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
    ContainerConfig.Builder c = Containers.config("app", busybox, "sleep", "1000")
        .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(volume.toString()));
    c.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(Pods.userNamespace(2_100_000));
    String id = daemon.runtime.createContainer(Containers.create(podId, pod, c)).getContainerId();
    daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    String before = uidMap(id);
    assertThat(before.split("\\s+")).containsExactly("0", "2100000", "65536");

    daemon.kill9();
    daemon = new DaemonProcess(root).start();

    assertThat(Containers.status(daemon.runtime, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(uidMap(id)).isEqualTo(before);
    assertThat(NodeLeaks.of(root).mounts()).anyMatch(m -> m.endsWith("/ns/user"))
        .anyMatch(m -> m.contains("/idmapped/"));

    daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    assertThat(NodeLeaks.of(root).mounts()).isEmpty();
    try (var left = java.nio.file.Files.list(volume)) {
      assertThat(left).isEmpty(); // the volume itself is untouched
    }
  }
}
