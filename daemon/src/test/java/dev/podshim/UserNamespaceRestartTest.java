package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.IDMapping;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.Mount;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.UserNamespace;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.Containers;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon process with a pod in a user namespace of its own: kill -9 keeps the pod and its
 * container, and removing them after the restart leaves no pin, id-mapped mount or snapshot.
 */
class UserNamespaceRestartTest {
  @TempDir static Path shared;
  static ImageTestRegistry registry;
  static String busybox;

  @TempDir Path root;
  @TempDir Path volume;
  DaemonProcess daemon;

  @BeforeAll
  static void setUp() throws Exception {
    Prctl.setChildSubreaper(); // a killed daemon's pause and conmon come to us, as to systemd
    registry = ImageTestRegistry.start(shared.resolve("registry"));
    busybox = registry.pushBusybox("test/busybox", "1");
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

  private static UserNamespace userns() {
    IDMapping m = IDMapping.newBuilder().setContainerId(0).setHostId(2_100_000).setLength(65536).build();
    return UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(m).addGids(m).build();
  }

  private String uidMap(String id) {
    return daemon.runtime.execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("cat")
        .addCmd("/proc/self/uid_map").setTimeout(10).build()).getStdout().toStringUtf8().trim();
  }

  @Test
  void killMinus9KeepsThePodAndItsUserNamespaceAndRemovalLeavesNothing() throws Exception {
    daemon = new DaemonProcess(root).start();
    daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
    PodSandboxConfig.Builder pod = Pods.config("userns");
    pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(userns());
    String podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
    ContainerConfig.Builder c = Containers.config("app", busybox, "sleep", "1000")
        .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(volume.toString()));
    c.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(userns());
    String id = daemon.runtime.createContainer(Containers.create(podId, pod, c)).getContainerId();
    daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    String before = uidMap(id);
    assertThat(before.split("\\s+")).containsExactly("0", "2100000", "65536");

    daemon.kill9();
    daemon = new DaemonProcess(root).start();

    assertThat(daemon.runtime.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
        .getStatus().getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(uidMap(id)).isEqualTo(before);
    assertThat(NodeLeaks.of(root).mounts()).anyMatch(m -> m.endsWith("/ns/user"))
        .anyMatch(m -> m.contains("/idmapped/"));

    daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    assertThat(NodeLeaks.of(root).mounts()).isEmpty();
    assertThat(Files.list(volume)).isEmpty(); // the volume itself is untouched
  }
}
