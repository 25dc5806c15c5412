package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.Container;
import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.Containers;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of the daemon at random moments while containers are created, started, exec'd into,
 * stopped and removed: every acknowledged container is still there after each restart, and once the pod is
 * removed the node holds no conmon, mount, runtime state, container directory, attach socket link
 * or cgroup.
 */
class ContainerKillAtAnyMomentTest {
  private static final int ROUNDS = 6;
  @TempDir static Path shared;
  static ImageTestRegistry registry;
  static String busybox;

  @TempDir Path root;

  @BeforeAll
  static void setUp() throws Exception {
    Prctl.setChildSubreaper(); // a killed daemon's conmons and runtimes come to us
    registry = ImageTestRegistry.start(shared.resolve("registry"));
    busybox = registry.pushBusybox("test/busybox", "1");
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  /** With {@code userns}, the pod has a user namespace of its own: id-mapped layers and mounts are cut short too. */
  @ParameterizedTest(name = "pod user namespace: {0}")
  @ValueSource(booleans = {false, true})
  void noAcknowledgedContainerIsLostAndNothingLeaks(boolean userns) throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    String cgroupTop = "podshim-cchaos-" + Long.toHexString(seed);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    DaemonProcess daemon = new DaemonProcess(root);
    try {
      daemon.start();
      daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
      PodSandboxConfig.Builder pod = Pods.config("chaos");
      pod.getLinuxBuilder().setCgroupParent("/" + cgroupTop + "/pod");
      if (userns) {
        pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(Pods.userNamespace(2_200_000));
      }
      String podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
      for (int round = 0; round < ROUNDS; round++) {
        if (round > 0) {
          daemon.start();
        }
        assertThat(ids(daemon)).as("seed %s, round %s: acknowledged containers survive", seed, round)
            .containsAll(acknowledged);
        AtomicBoolean stop = new AtomicBoolean();
        int r = round;
        Thread load = Thread.ofPlatform().start(() -> churn(daemon, podId, pod, r, acknowledged, stop, userns));
        Thread.sleep(200 + random.nextInt(1500));
        daemon.kill9();
        stop.set(true);
        load.join();
        daemon.close();
      }
      daemon.start();
      assertThat(acknowledged).as("the load ran containers at all").isNotEmpty();
      assertThat(ids(daemon)).as("seed %s: after the last kill", seed).containsAll(acknowledged);
      daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      assertThat(ids(daemon)).isEmpty();
      assertThat(NodeLeaks.of(root).sockets()).as("seed %s: attach socket links", seed).isEmpty();
      assertThat(NodeLeaks.cgroupDirsStartingWith(cgroupTop)).as("seed %s", seed).isEmpty();
      daemon.terminate();
    } finally {
      daemon.close();
      Children.reapExited();
      daemon.network.close();
    }
    assertThat(NodeLeaks.of(root).empty()).as("seed %s: left behind %s", seed, NodeLeaks.of(root)).isTrue();
  }

  /** Creates and starts containers (half of them stopped and removed again) until the daemon dies under it. */
  private static void churn(DaemonProcess daemon, String podId, PodSandboxConfig.Builder pod, int round,
      Set<String> acknowledged, AtomicBoolean stop, boolean userns) {
    for (int n = 0; !stop.get(); n++) {
      try {
        ContainerConfig.Builder config = Containers.config("c-" + round + "-" + n, busybox, "sleep", "1000");
        if (userns) {
          config.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
              .setUsernsOptions(Pods.userNamespace(2_200_000));
        }
        String id = daemon.runtime.createContainer(Containers.create(podId, pod, config)).getContainerId();
        acknowledged.add(id);
        daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        // an exec whose child outlives it, cut short by its timeout or by the kill
        daemon.runtime.execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(1)
            .addAllCmd(java.util.List.of("sh", "-c", "sleep 30 & echo started; sleep 0.3")).build());
        if (n % 2 == 0) {
          daemon.runtime.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
          acknowledged.remove(id); // from here on a crash may or may not have removed it
          daemon.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        }
      } catch (RuntimeException daemonGone) {
        return;
      }
    }
  }

  private static Set<String> ids(DaemonProcess daemon) {
    Set<String> ids = new HashSet<>();
    for (Container c : daemon.runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      ids.add(c.getId());
    }
    return ids;
  }
}

