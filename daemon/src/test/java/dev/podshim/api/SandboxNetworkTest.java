package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.PortMapping;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RuntimeCondition;
import dev.podshim.cri.v1.StatusRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.os.TestSupport;
import dev.podshim.testing.CriHarness;
import dev.podshim.testing.CriHarnessTest;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sandboxes on a real CNI bridge network (Debian's plugins): IPs, teardown, failures, no leaks. */
class SandboxNetworkTest extends CriHarnessTest {

  private String ip(String id) {
    return cri.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
        .getStatus().getNetwork().getIp();
  }

  @Test
  void networkIsReadyWithAConfigAndItsPlugins() {
    RuntimeCondition network = cri.runtime.status(StatusRequest.getDefaultInstance()).getStatus().getConditions(1);
    assertThat(network.getType()).isEqualTo("NetworkReady");
    assertThat(network.getStatus()).as(network.getMessage()).isTrue();
  }

  @Test
  void aPodGetsAnIpOnTheBridgeSubnetAndStopReleasesIt() throws Exception {
    String id = cri.runtime.runPodSandbox(Pods.run(Pods.config("ip"))).getPodSandboxId();
    String ip = ip(id);
    String prefix = cri.testNetwork.subnet.substring(0, cri.testNetwork.subnet.lastIndexOf('.') + 1);
    assertThat(ip).startsWith(prefix);
    assertThat(cri.testNetwork.allocatedIps()).containsExactly(ip);
    assertThat(cri.testNetwork.veths()).hasSize(1);

    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertThat(cri.testNetwork.allocatedIps()).isEmpty();
    assertThat(cri.testNetwork.veths()).isEmpty();
    assertThat(ip(id)).isEmpty();
    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  @Test
  void sysctlsOfThePodsEth0ApplyOnceCniCreatedIt() throws Exception {
    PodSandboxConfig.Builder config = Pods.config("eth0-sysctl");
    config.getLinuxBuilder()
        .putSysctls("net.ipv4.conf.eth0.arp_ignore", "2")
        .putSysctls("net.ipv4.conf.all.arp_announce", "1");
    String id = cri.runtime.runPodSandbox(Pods.run(config)).getPodSandboxId();

    Path netns = root.resolve("sandboxes").resolve(id).resolve("ns").resolve("net");
    assertThat(inPodNetwork(netns, "/proc/sys/net/ipv4/conf/eth0/arp_ignore")).isEqualTo("2");
    assertThat(inPodNetwork(netns, "/proc/sys/net/ipv4/conf/all/arp_announce")).isEqualTo("1");
    assertThat(Files.readAllLines(Path.of("/proc/sys/net/ipv4/conf/all/arp_announce")).getFirst()).isEqualTo("0");
  }

  @Test
  void aSysctlOfAnInterfaceThePodDoesNotGetFailsTheRunAndLeavesNothing() throws Exception {
    PodSandboxConfig.Builder config = Pods.config("eth1-sysctl");
    config.getLinuxBuilder().putSysctls("net.ipv4.conf.eth1.arp_ignore", "2");

    assertThatThrownBy(() -> cri.runtime.runPodSandbox(Pods.run(config)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("net.ipv4.conf.eth1.arp_ignore");
        });
    assertThat(cri.testNetwork.allocatedIps()).isEmpty();
    assertThat(cri.testNetwork.veths()).isEmpty();
    assertThat(NodeLeaks.of(root).empty()).isTrue();
  }

  private static String inPodNetwork(Path netns, String file) {
    return TestSupport.run("nsenter", "--net=" + netns, "cat", file).strip();
  }

  @Test
  void hostNetworkPodsSkipCni() throws Exception {
    String id = cri.runtime.runPodSandbox(Pods.run(Pods.hostNetwork("hostnet"))).getPodSandboxId();
    assertThat(ip(id)).isEmpty();
    assertThat(cri.testNetwork.allocatedIps()).isEmpty();
  }

  @Test
  void removeWithoutStopStillReleasesTheIp() throws Exception {
    String id = cri.runtime.runPodSandbox(Pods.run(Pods.config("direct")
        .addPortMappings(PortMapping.newBuilder().setContainerPort(80).setHostPort(18089)))).getPodSandboxId();
    assertThat(cri.testNetwork.allocatedIps()).hasSize(1);
    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertThat(cri.testNetwork.allocatedIps()).isEmpty();
    assertThat(cri.testNetwork.veths()).isEmpty();
  }

  @Test
  void aFailingPluginGivesAClearErrorAndLeavesNothing() throws Exception {
    Files.createDirectories(cri.testNetwork.binDir);
    Path broken = cri.testNetwork.binDir.resolve("broken");
    Files.writeString(broken, """
        #!/bin/sh
        [ "$CNI_COMMAND" = ADD ] || exit 0
        echo '{"cniVersion":"1.0.0","code":7,"msg":"boom","details":"the test broke it"}'
        exit 1
        """);
    Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path conf = cri.testNetwork.confDir.resolve("10-test.conflist");
    Files.writeString(conf, Files.readString(conf).replace("{\"type\": \"portmap\"", "{\"type\": \"broken\"}, {\"type\": \"portmap\""));

    assertThatThrownBy(() -> cri.runtime.runPodSandbox(Pods.run(Pods.config("broken"))))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).contains("broken").contains("boom").contains("the test broke it");
        });
    assertThat(cri.testNetwork.allocatedIps()).isEmpty();
    assertThat(cri.testNetwork.veths()).isEmpty();
    assertThat(NodeLeaks.of(root).empty()).isTrue();
  }

  @Test
  void hundredLifecyclesLeakNoIpVethNetnsOrMount() throws Exception {
    for (int i = 0; i < 100; i++) {
      String id = cri.runtime.runPodSandbox(Pods.run(Pods.config("cycle-" + i))).getPodSandboxId();
      cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
    assertThat(cri.testNetwork.allocatedIps()).isEmpty();
    assertThat(cri.testNetwork.veths()).isEmpty();
    assertThat(NodeLeaks.of(root).empty()).isTrue();
  }
}
