package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sandbox whose meta.json is garbage after a restart is listed NOTREADY, explained, and removable without leaks. */
class UnreadableStateTest {
  @TempDir Path root;

  @BeforeAll
  static void subreaper() {
    Prctl.setChildSubreaper();
  }

  @Test
  void anUnreadableSandboxIsListedAndRemovable() throws Exception {
    DaemonProcess daemon = new DaemonProcess(root).start();
    try {
      String id = daemon.runtime.runPodSandbox(Pods.run(Pods.config("broken"))).getPodSandboxId();
      assertThat(daemon.network.allocatedIps()).hasSize(1);
      daemon.terminate();
      daemon.close();
      Files.writeString(root.resolve("sandboxes").resolve(id).resolve("meta.json"), "{ not json");

      daemon = new DaemonProcess(root).start();
      List<PodSandbox> listed = daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
      assertThat(listed).extracting(PodSandbox::getId).containsExactly(id);
      assertThat(listed.getFirst().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
      String info = daemon.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id)
          .setVerbose(true).build()).getInfoMap().get("info");
      assertThat(info).contains("\"unreadable\"").contains("meta.json");

      daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      assertThat(daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).isEmpty();
      assertThat(daemon.network.allocatedIps()).as("its IP is released through network.json").isEmpty();
      daemon.terminate();
    } finally {
      daemon.close();
      Children.reapExited();
      daemon.network.close();
    }
    assertThat(NodeLeaks.of(root).empty()).as("left behind %s", NodeLeaks.of(root)).isTrue();
  }
}
