package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.DNSConfig;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxFilter;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.cri.v1.PodSandboxStateValue;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RunPodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.os.Pidfd;
import dev.podshim.testing.CriHarness;
import dev.podshim.testing.CriHarnessTest;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodSandboxHandlersTest extends CriHarnessTest {
  /** The pods' log directories: outside the state root, as podshim requires. */
  @TempDir Path logs;

  private String run(PodSandboxConfig.Builder config) {
    return cri.runtime.runPodSandbox(Pods.run(config)).getPodSandboxId();
  }

  private dev.podshim.cri.v1.PodSandboxStatusResponse status(String id, boolean verbose) {
    return cri.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).setVerbose(verbose).build());
  }

  @Test
  void runStopRemoveLifecycle() throws Exception {
    PodSandboxConfig.Builder config = Pods.config("web").putLabels("app", "web").putAnnotations("a", "b")
        .setLogDirectory(logs.resolve("web").toString())
        .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addSearches("svc.cluster.local").addOptions("ndots:5"));
    String id = run(config);
    assertThat(id).hasSize(64);

    var status = status(id, true);
    assertThat(status.getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
    assertThat(status.getStatus().getMetadata().getName()).isEqualTo("web");
    assertThat(status.getStatus().getLabelsMap()).containsEntry("app", "web");
    assertThat(status.getStatus().getAnnotationsMap()).containsEntry("a", "b");
    assertThat(status.getInfoMap().get("info")).contains("\"pid\"").contains("/ns/net");
    assertThat(Files.readString(root.resolve("sandboxes").resolve(id).resolve("resolv.conf")))
        .contains("nameserver 10.96.0.10").contains("search svc.cluster.local").contains("options ndots:5");
    assertThat(Files.isDirectory(logs.resolve("web"))).isTrue();
    assertThat(NodeLeaks.of(root).pauses()).hasSize(1);

    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertThat(status(id, false).getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
    // the verbose info made when the pod ran is made again for the stopped pod
    assertThat(status(id, true).getInfoMap().get("info")).contains("\"pauseAlive\":false");
    assertThat(NodeLeaks.of(root).pauses()).isEmpty();

    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertThat(NodeLeaks.of(root).empty()).isTrue();
    assertThatThrownBy(() -> status(id, false)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND));
  }

  /** kubelet's in-place pod resize: the pod's cgroup gets the containers' sum plus the overhead. */
  @Test
  void podLevelResourcesAreWrittenIntoThePodsCgroupAndKept() throws Exception {
    String parent = "/podshim-test-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    String id = run(Pods.config("resized").setLinux(
        dev.podshim.cri.v1.LinuxPodSandboxConfig.newBuilder().setCgroupParent(parent)));
    var resources = dev.podshim.cri.v1.LinuxContainerResources.newBuilder()
        .setCpuShares(512).setCpuQuota(50_000).setCpuPeriod(100_000).setMemoryLimitInBytes(64L << 20);
    var overhead = dev.podshim.cri.v1.LinuxContainerResources.newBuilder().setMemoryLimitInBytes(8L << 20);

    cri.runtime.updatePodSandboxResources(dev.podshim.cri.v1.UpdatePodSandboxResourcesRequest.newBuilder()
        .setPodSandboxId(id).setResources(resources).setOverhead(overhead).build());

    Path memory = Path.of("/sys/fs/cgroup/memory").resolve(parent.substring(1));
    Path cpu = Path.of("/sys/fs/cgroup/cpu").resolve(parent.substring(1));
    assertThat(Files.readString(memory.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(72L << 20));
    assertThat(Files.readString(cpu.resolve("cpu.shares")).trim()).isEqualTo("512");
    assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("50000");
    assertThat(status(id, true).getInfoMap().get("info")).contains("\"podResources\"");

    var update = dev.podshim.cri.v1.UpdatePodSandboxResourcesRequest.newBuilder().setPodSandboxId(id);
    assertInvalid("resources.cpu_shares", () -> cri.runtime.updatePodSandboxResources(
        update.setResources(resources.clone().setCpuShares(1)).build()));
    assertInvalid("overhead.memory_limit_in_bytes", () -> cri.runtime.updatePodSandboxResources(
        update.setResources(resources).setOverhead(overhead.clone().setMemoryLimitInBytes(-1)).build()));
    assertThat(Files.readString(cpu.resolve("cpu.shares")).trim()).as("unchanged by refused updates").isEqualTo("512");
    assertThatThrownBy(() -> cri.runtime.updatePodSandboxResources(
        dev.podshim.cri.v1.UpdatePodSandboxResourcesRequest.newBuilder().setPodSandboxId("f".repeat(64)).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND));

    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertThat(memory).as("the pod cgroup podshim made goes with the pod").doesNotExist();
  }

  private static void assertInvalid(String field, Runnable call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).startsWith(field);
    });
  }

  @Test
  void stopAndRemoveAreIdempotent() {
    String id = run(Pods.config("twice"));
    var stop = StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build();
    var remove = RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build();
    cri.runtime.stopPodSandbox(stop);
    cri.runtime.stopPodSandbox(stop);
    cri.runtime.removePodSandbox(remove);
    cri.runtime.removePodSandbox(remove);
    cri.runtime.stopPodSandbox(stop);
  }

  @Test
  void removeStopsARunningSandboxFirst() throws Exception {
    String id = run(Pods.config("running"));
    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertThat(NodeLeaks.of(root).empty()).isTrue();
  }

  @Test
  void aRetriedRunWithTheSameConfigReturnsTheSameSandbox() {
    PodSandboxConfig.Builder config = Pods.config("retry");
    String first = run(config);
    assertThat(run(config)).isEqualTo(first);
    PodSandboxConfig.Builder other = config.clone().putLabels("changed", "yes");
    assertThatThrownBy(() -> run(other)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.ALREADY_EXISTS));
  }

  @Test
  void aNewAttemptAfterStopGetsANewSandbox() {
    PodSandboxConfig.Builder config = Pods.config("attempts");
    String first = run(config);
    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(first).build());
    config.getMetadataBuilder().setAttempt(1);
    assertThat(run(config)).isNotEqualTo(first);
  }

  @Test
  void listFiltersByIdPrefixStateAndLabels() {
    String a = run(Pods.config("a").putLabels("tier", "front"));
    String b = run(Pods.config("b").putLabels("tier", "back"));
    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(b).build());

    assertThat(ids(null)).containsExactlyInAnyOrder(a, b);
    assertThat(ids(PodSandboxFilter.newBuilder().setId(a.substring(0, 12)).build())).containsExactly(a);
    assertThat(ids(PodSandboxFilter.newBuilder()
        .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY)).build())).containsExactly(a);
    assertThat(ids(PodSandboxFilter.newBuilder()
        .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_NOTREADY)).build())).containsExactly(b);
    assertThat(ids(PodSandboxFilter.newBuilder().putLabelSelector("tier", "back").build())).containsExactly(b);
    assertThat(ids(PodSandboxFilter.newBuilder().putLabelSelector("tier", "none").build())).isEmpty();
  }

  @Test
  void statusAcceptsAUniqueIdPrefixAndRefusesAnEmptyId() {
    String id = run(Pods.config("prefix"));
    assertThat(status(id.substring(0, 8), false).getStatus().getId()).isEqualTo(id);
    assertThatThrownBy(() -> status("", false)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("pod_sandbox_id");
    });
  }

  @Test
  void aSandboxWhosePauseDiesBecomesNotReadyAtOnce() throws Exception {
    String id = run(Pods.config("dies"));
    long pid = NodeLeaks.of(root).pauses().getFirst();
    try (Pidfd pidfd = Pidfd.open(pid)) {
      pidfd.signal(Pidfd.SIGKILL);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (status(id, false).getStatus().getState() == PodSandboxState.SANDBOX_READY && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(status(id, false).getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
    assertThat(status(id, true).getInfoMap().get("info")).contains("\"pauseExitCode\":137");
  }

  @Test
  void hostNetworkPodsShareTheNodeNetworkNamespace() throws Exception {
    String id = run(Pods.hostNetwork("hostnet"));
    Path sandboxDir = root.resolve("sandboxes").resolve(id);
    assertThat(sandboxDir.resolve("ns/net")).doesNotExist();
    assertThat(sandboxDir.resolve("ns/ipc")).exists();
    long pid = NodeLeaks.of(root).pauses().getFirst();
    assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")))
        .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
  }

  @Test
  void fiftyConcurrentRunsWithOneNameYieldOneSandbox() throws Exception {
    PodSandboxConfig.Builder config = Pods.config("crowd");
    RunPodSandboxRequest request = Pods.run(config);
    List<String> ids;
    try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<String>> futures = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) {
        futures.add(executor.submit(() -> cri.runtime.runPodSandbox(request).getPodSandboxId()));
      }
      ids = new java.util.ArrayList<>();
      for (var f : futures) {
        ids.add(f.get());
      }
    }
    assertThat(ids).hasSize(50);
    assertThat(ids.stream().distinct()).hasSize(1);
    assertThat(cri.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).hasSize(1);
    assertThat(NodeLeaks.of(root).pauses()).hasSize(1);
  }

  private List<String> ids(PodSandboxFilter filter) {
    ListPodSandboxRequest.Builder request = ListPodSandboxRequest.newBuilder();
    if (filter != null) {
      request.setFilter(filter);
    }
    return cri.runtime.listPodSandbox(request.build()).getItemsList().stream().map(PodSandbox::getId).toList();
  }

  @Test
  void streamPodSandboxesSendsWhatListPodSandboxAnswers() {
    String a = run(Pods.hostNetwork("s1"));
    String b = run(Pods.hostNetwork("s2").putLabels("pick", "me"));
    java.util.List<String> all = new java.util.ArrayList<>();
    cri.runtime.streamPodSandboxes(dev.podshim.cri.v1.StreamPodSandboxesRequest.getDefaultInstance())
        .forEachRemaining(r -> r.getPodSandboxesList().forEach(p -> all.add(p.getId())));
    assertThat(all).containsExactlyInAnyOrder(a, b);
    java.util.List<String> picked = new java.util.ArrayList<>();
    cri.runtime.streamPodSandboxes(dev.podshim.cri.v1.StreamPodSandboxesRequest.newBuilder()
            .setFilter(dev.podshim.cri.v1.PodSandboxFilter.newBuilder().putLabelSelector("pick", "me")).build())
        .forEachRemaining(r -> r.getPodSandboxesList().forEach(p -> picked.add(p.getId())));
    assertThat(picked).containsExactly(b);
  }
}
