package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the daemon at random moments while sandboxes are run, stopped and removed: after
 * each restart every sandbox the daemon had acknowledged is still there, and once everything is
 * removed the node holds no mount, pause, IP, veth or cgroup of podshim's.
 */
class KillAtAnyMomentTest {
  private static final int ROUNDS = 8;

  @TempDir Path root;

  @BeforeAll
  static void subreaper() {
    Prctl.setChildSubreaper(); // a killed daemon's pause and plugin processes come to us
  }

  @Test
  void noAcknowledgedSandboxIsLostAndNothingLeaks() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    String cgroupTop = "podshim-chaos-" + Long.toHexString(seed);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    DaemonProcess daemon = new DaemonProcess(root);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        daemon.start();
        assertThat(ids(daemon)).as("seed %s, round %s: acknowledged sandboxes survive", seed, round)
            .containsAll(acknowledged);
        AtomicBoolean stop = new AtomicBoolean();
        int r = round;
        Thread load = Thread.ofPlatform().start(() -> churn(daemon, r, cgroupTop, acknowledged, stop));
        Thread.sleep(100 + random.nextInt(1400));
        daemon.kill9();
        stop.set(true);
        load.join();
        daemon.close();
      }
      daemon.start();
      assertThat(acknowledged).as("the load ran pods at all").isNotEmpty();
      assertThat(ids(daemon)).as("seed %s: after the last kill", seed).containsAll(acknowledged);
      for (String id : ids(daemon)) {
        daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      }
      assertThat(daemon.network.allocatedIps()).as("seed %s", seed).isEmpty();
      assertThat(daemon.network.veths()).as("seed %s", seed).isEmpty();
      assertThat(NodeLeaks.cgroupDirsStartingWith(cgroupTop)).as("seed %s", seed).isEmpty();
      daemon.terminate();
    } finally {
      daemon.close();
      Children.reapExited();
      daemon.network.close();
    }
    assertThat(NodeLeaks.of(root).empty()).as("seed %s: left behind %s", seed, NodeLeaks.of(root)).isTrue();
  }

  /** Runs pods (half of them stopped and removed again) until the daemon dies under it. */
  private static void churn(DaemonProcess daemon, int round, String cgroupTop, Set<String> acknowledged,
      AtomicBoolean stop) {
    for (int n = 0; !stop.get(); n++) {
      PodSandboxConfig.Builder config = Pods.config("chaos-" + round + "-" + n);
      // a parent of its own: the daemon creates it and must remove it, whenever the crash comes
      config.getLinuxBuilder().setCgroupParent("/" + cgroupTop + "-" + round + "-" + n + "/pod");
      try {
        String id = daemon.runtime.runPodSandbox(Pods.run(config)).getPodSandboxId();
        acknowledged.add(id);
        if (n % 2 == 0) {
          daemon.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
          acknowledged.remove(id); // from here on a crash may or may not have removed it
          daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        }
      } catch (RuntimeException daemonGone) {
        return;
      }
    }
  }

  private static Set<String> ids(DaemonProcess daemon) {
    Set<String> ids = new HashSet<>();
    for (PodSandbox p : daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      ids.add(p.getId());
    }
    return ids;
  }
}
