package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.podshim.cri.v1.ContainerStats;
import dev.podshim.cri.v1.ContainerStatsFilter;
import dev.podshim.cri.v1.ContainerStatsRequest;
import dev.podshim.cri.v1.ImageFsInfoRequest;
import dev.podshim.cri.v1.ListContainerStatsRequest;
import dev.podshim.cri.v1.ListMetricDescriptorsRequest;
import dev.podshim.cri.v1.ListPodSandboxMetricsRequest;
import dev.podshim.cri.v1.ListPodSandboxStatsRequest;
import dev.podshim.cri.v1.Metric;
import dev.podshim.cri.v1.MetricDescriptor;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxMetrics;
import dev.podshim.cri.v1.PodSandboxStats;
import dev.podshim.cri.v1.PodSandboxStatsFilter;
import dev.podshim.cri.v1.PodSandboxStatsRequest;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.cri.v1.StreamContainerStatsRequest;
import dev.podshim.cri.v1.StreamPodSandboxStatsRequest;
import dev.podshim.testing.Containers;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Stats of real containers under conmon and runc, compared with their cgroup files: a busy loop
 * holding 64 MiB of shared memory, a 50 MiB file in a writable layer, HTTP traffic between two pods.
 */
class StatsTest extends ContainerHarnessTest {
  private static final long MIB = 1024 * 1024;
  private static final Path V1_MEMORY = Path.of("/sys/fs/cgroup/memory");
  private final String cgroupTop = "podshim-stats-" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void image() {
    pullBusybox();
  }

  @Test
  void busyLoopWithSharedMemoryAgainstItsCgroupFilesThenFiltersAndMetrics() throws Exception {
    PodSandboxConfig.Builder pod = Pods.hostNetwork("busy").putLabels("app", "busy");
    pod.getLinuxBuilder().setCgroupParent("/" + cgroupTop + "/pod");
    String podId = runPod(pod);
    String busy = createAndStart(podId, pod, Containers.config("busy", busybox, "sh", "-c",
        "dd if=/dev/zero bs=1M count=64 2>/dev/null | cat > /dev/shm/x; touch /dev/shm/done; while :; do :; done")
        .putLabels("role", "burner"));
    String idle = createAndStart(podId, pod, Containers.config("idle", busybox, "sleep", "1000")
        .putLabels("role", "idler"));
    awaitFile(busy, "/dev/shm/done");

    ContainerStats first = containerStats(busy);
    Path cgroup = containerCgroup("/" + cgroupTop + "/pod/" + busy);
    long fileUsage = cgroupLong(cgroup, "memory.usage_in_bytes", "memory.current");
    Thread.sleep(1500);
    ContainerStats second = containerStats(busy);
    long fileCpu = cpuNanos(cgroup);

    assertThat(first.getAttributes().getId()).isEqualTo(busy);
    assertThat(first.getAttributes().getMetadata().getName()).isEqualTo("busy");
    assertThat(first.getAttributes().getLabelsMap()).containsEntry("role", "burner");
    assertThat(first.getCpu().getTimestamp()).isPositive();
    assertThat(first.getCpu().hasUsageNanoCores()).as("no rate on first sight").isFalse();
    // one core at most; on a loaded 2-core machine the loop gets what the scheduler leaves it, so the
    // rate is checked against the usage counter's own rise between the two readings
    long nanoCores = second.getCpu().getUsageNanoCores().getValue();
    double expected = (second.getCpu().getUsageCoreNanoSeconds().getValue()
        - first.getCpu().getUsageCoreNanoSeconds().getValue()) * 1e9
        / (second.getCpu().getTimestamp() - first.getCpu().getTimestamp());
    assertThat(nanoCores).as("a busy loop: up to one core").isBetween(200_000_000L, 1_150_000_000L);
    assertThat((double) nanoCores).isCloseTo(expected, within(expected * 0.1));
    assertThat(second.getCpu().getUsageCoreNanoSeconds().getValue())
        .isGreaterThan(first.getCpu().getUsageCoreNanoSeconds().getValue())
        .isLessThanOrEqualTo(fileCpu).isGreaterThan(fileCpu - 500_000_000L);
    var memory = first.getMemory();
    assertThat(memory.getTimestamp()).isPositive();
    assertThat(memory.getUsageBytes().getValue()).isCloseTo(fileUsage, within(4 * MIB));
    assertThat(memory.getWorkingSetBytes().getValue()).as("shared memory is not reclaimable cache")
        .isBetween(64 * MIB, 96 * MIB);
    assertThat(memory.getWorkingSetBytes().getValue()).isLessThanOrEqualTo(memory.getUsageBytes().getValue());
    assertThat(memory.getPageFaults().getValue()).isPositive();
    assertThat(memory.hasRssBytes()).isTrue();
    assertThat(memory.hasAvailableBytes()).as("no limit set").isFalse();

    PodSandboxStats podStats = cri.runtime.podSandboxStats(PodSandboxStatsRequest.newBuilder()
        .setPodSandboxId(podId).build()).getStats();
    assertThat(podStats.getAttributes().getId()).isEqualTo(podId);
    assertThat(podStats.getAttributes().getMetadata().getName()).isEqualTo("busy");
    assertThat(podStats.getLinux().getMemory().getWorkingSetBytes().getValue()).as("the pod cgroup holds its containers")
        .isGreaterThanOrEqualTo(64 * MIB);
    assertThat(podStats.getLinux().getCpu().getUsageCoreNanoSeconds().getValue())
        .isGreaterThanOrEqualTo(second.getCpu().getUsageCoreNanoSeconds().getValue());
    assertThat(podStats.getLinux().getProcess().getProcessCount().getValue()).as("pause, sh, sleep").isGreaterThanOrEqualTo(3);
    assertThat(podStats.getLinux().hasNetwork()).as("host network: the node's interfaces are not the pod's").isFalse();
    assertThat(podStats.getLinux().getContainersList()).extracting(s -> s.getAttributes().getId())
        .containsExactlyInAnyOrder(busy, idle);

    // filters: id, pod, labels; the stream variants answer the same
    assertThat(listContainerStats(ContainerStatsFilter.newBuilder().setId(busy))).containsExactly(busy);
    assertThat(listContainerStats(ContainerStatsFilter.newBuilder().setPodSandboxId(podId)))
        .containsExactlyInAnyOrder(busy, idle);
    assertThat(listContainerStats(ContainerStatsFilter.newBuilder().putLabelSelector("role", "idler")))
        .containsExactly(idle);
    assertThat(listContainerStats(ContainerStatsFilter.newBuilder().putLabelSelector("role", "nobody"))).isEmpty();
    assertThat(streamContainerStats(ContainerStatsFilter.newBuilder().setPodSandboxId(podId)))
        .containsExactlyInAnyOrder(busy, idle);
    assertThat(streamContainerStats(ContainerStatsFilter.newBuilder().putLabelSelector("role", "nobody"))).isEmpty();
    assertThat(listPodStats(PodSandboxStatsFilter.newBuilder().putLabelSelector("app", "busy"))).containsExactly(podId);
    assertThat(listPodStats(PodSandboxStatsFilter.newBuilder().putLabelSelector("app", "other"))).isEmpty();
    assertThat(listPodStats(PodSandboxStatsFilter.newBuilder().setId(podId))).containsExactly(podId);
    List<String> streamed = new ArrayList<>();
    cri.runtime.streamPodSandboxStats(StreamPodSandboxStatsRequest.getDefaultInstance())
        .forEachRemaining(r -> r.getPodSandboxStatsList().forEach(s -> streamed.add(s.getAttributes().getId())));
    assertThat(streamed).containsExactly(podId);

    // the cAdvisor-named metrics: every series described, with as many label values as keys
    Map<String, MetricDescriptor> described = cri.runtime.listMetricDescriptors(
        ListMetricDescriptorsRequest.getDefaultInstance()).getDescriptorsList().stream()
        .collect(Collectors.toMap(MetricDescriptor::getName, Function.identity()));
    assertThat(described).containsKeys("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
        "container_memory_usage_bytes", "container_memory_rss", "container_network_receive_bytes_total",
        "container_network_transmit_bytes_total");
    PodSandboxMetrics metrics = cri.runtime.listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
        .getPodMetricsList().getFirst();
    assertThat(metrics.getPodSandboxId()).isEqualTo(podId);
    List<Metric> all = new ArrayList<>(metrics.getMetricsList());
    metrics.getContainerMetricsList().forEach(c -> all.addAll(c.getMetricsList()));
    assertThat(all).allSatisfy(m -> {
      assertThat(described).containsKey(m.getName());
      assertThat(m.getLabelValuesCount()).isEqualTo(described.get(m.getName()).getLabelKeysCount());
    });
    Metric busyWorkingSet = metrics.getContainerMetricsList().stream().filter(c -> c.getContainerId().equals(busy))
        .flatMap(c -> c.getMetricsList().stream())
        .filter(m -> m.getName().equals("container_memory_working_set_bytes")).findFirst().orElseThrow();
    assertThat(busyWorkingSet.getLabelValuesList()).containsExactly("busy", "test", "busy", busy, busybox);
    assertThat(busyWorkingSet.getValue().getValue()).isGreaterThanOrEqualTo(64 * MIB);

    // an exited container has no usage left; a stopped pod has no stats
    cri.runtime.stopContainer(StopContainerRequest.newBuilder().setContainerId(idle).setTimeout(0).build());
    assertThat(listContainerStats(ContainerStatsFilter.newBuilder().setPodSandboxId(podId))).containsExactly(busy);
    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    assertThat(listPodStats(PodSandboxStatsFilter.newBuilder())).isEmpty();
    assertThatThrownBy(() -> cri.runtime.podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(podId).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.FAILED_PRECONDITION));
    assertThatThrownBy(() -> containerStats("f".repeat(64))).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND));
    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    assertThat(NodeLeaks.cgroupDirsStartingWith(cgroupTop)).isEmpty();
  }

  @Test
  void writableLayerHoldsAFileWrittenIntoIt() throws Exception {
    PodSandboxConfig.Builder pod = Pods.hostNetwork("writer");
    String podId = runPod(pod);
    String id = createAndStart(podId, pod, Containers.config("writer", busybox, "sh", "-c",
        "dd if=/dev/zero of=/tmp/file bs=1M count=50 2>/dev/null; touch /tmp/done; sleep 1000"));
    awaitFile(id, "/tmp/done");

    var layer = containerStats(id).getWritableLayer();
    assertThat(layer.getUsedBytes().getValue()).isBetween(50 * MIB, 51 * MIB);
    assertThat(layer.getInodesUsed().getValue()).as("/tmp, its file, the marker").isGreaterThanOrEqualTo(3);
    assertThat(layer.getTimestamp()).isPositive();
    assertThat(layer.getFsId().getMountpoint()).isEqualTo(cri.images.imageFsInfo(ImageFsInfoRequest.getDefaultInstance())
        .getContainerFilesystems(0).getFsId().getMountpoint());
  }

  @Test
  void networkCountersAfterHttpBetweenTwoPods() throws Exception {
    PodSandboxConfig.Builder serverPod = Pods.config("server");
    String serverId = runPod(serverPod);
    createAndStart(serverId, serverPod, Containers.config("httpd", busybox, "sh", "-c",
        "mkdir /www && dd if=/dev/zero of=/www/f bs=1k count=2048 2>/dev/null && httpd -f -p 8080 -h /www"));
    PodSandboxConfig.Builder clientPod = Pods.config("client");
    String clientId = runPod(clientPod);
    String client = createAndStart(clientId, clientPod, Containers.config("client", busybox, "sleep", "1000"));
    String ip = cri.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(serverId).build())
        .getStatus().getNetwork().getIp();

    var fetched = exec(client, 20, "sh", "-c", "for i in $(seq 100); do wget -q -O /dev/null http://" + ip
        + ":8080/f && exit 0; sleep 0.1; done; exit 1");
    assertThat(fetched.getExitCode()).as("wget: %s", fetched.getStderr().toStringUtf8()).isZero();

    var server = podStats(serverId).getLinux().getNetwork();
    var clientNet = podStats(clientId).getLinux().getNetwork();
    assertThat(server.getDefaultInterface().getName()).isEqualTo("eth0");
    assertThat(server.getDefaultInterface().getTxBytes().getValue()).isGreaterThanOrEqualTo(2 * MIB);
    assertThat(clientNet.getDefaultInterface().getRxBytes().getValue()).isGreaterThanOrEqualTo(2 * MIB);
    assertThat(server.getInterfacesList()).extracting(i -> i.getName()).containsExactly("eth0");
    assertThat(server.getTimestamp()).isPositive();

    PodSandboxMetrics metrics = cri.runtime.listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
        .getPodMetricsList().stream().filter(m -> m.getPodSandboxId().equals(serverId)).findFirst().orElseThrow();
    Metric tx = metrics.getMetricsList().stream().filter(m -> m.getName().equals("container_network_transmit_bytes_total"))
        .findFirst().orElseThrow();
    assertThat(tx.getLabelValuesList()).containsExactly("server", "test", "", serverId, "", "eth0");
    assertThat(tx.getValue().getValue()).isGreaterThanOrEqualTo(2 * MIB);
  }

  private ContainerStats containerStats(String id) {
    return cri.runtime.containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build()).getStats();
  }

  private PodSandboxStats podStats(String id) {
    return cri.runtime.podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(id).build()).getStats();
  }

  private List<String> listContainerStats(ContainerStatsFilter.Builder filter) {
    return cri.runtime.listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(filter).build())
        .getStatsList().stream().map(s -> s.getAttributes().getId()).toList();
  }

  private List<String> streamContainerStats(ContainerStatsFilter.Builder filter) {
    List<String> ids = new ArrayList<>();
    cri.runtime.streamContainerStats(StreamContainerStatsRequest.newBuilder().setFilter(filter).build())
        .forEachRemaining(r -> r.getContainerStatsList().forEach(s -> ids.add(s.getAttributes().getId())));
    return ids;
  }

  private List<String> listPodStats(PodSandboxStatsFilter.Builder filter) {
    return cri.runtime.listPodSandboxStats(ListPodSandboxStatsRequest.newBuilder().setFilter(filter).build())
        .getStatsList().stream().map(s -> s.getAttributes().getId()).toList();
  }

  private void awaitFile(String id, String file) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (exec(id, 5, "test", "-f", file).getExitCode() != 0) {
      assertThat(System.nanoTime()).as("%s in %s", file, id).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** The container's memory cgroup directory, v1 or v2, as runc made it under cgroupfs. */
  private static Path containerCgroup(String relPath) {
    Path root = Files.isDirectory(V1_MEMORY) ? V1_MEMORY : Path.of("/sys/fs/cgroup");
    return root.resolve(relPath.substring(1));
  }

  private static long cgroupLong(Path dir, String v1, String v2) throws IOException {
    Path file = Files.exists(dir.resolve(v1)) ? dir.resolve(v1) : dir.resolve(v2);
    return Long.parseLong(Files.readString(file).trim());
  }

  private static long cpuNanos(Path memoryDir) throws IOException {
    if (memoryDir.startsWith(V1_MEMORY)) {
      Path cpuacct = Path.of("/sys/fs/cgroup/cpuacct").resolve(V1_MEMORY.relativize(memoryDir));
      return Long.parseLong(Files.readString(cpuacct.resolve("cpuacct.usage")).trim());
    }
    return Files.readAllLines(memoryDir.resolve("cpu.stat")).stream().filter(l -> l.startsWith("usage_usec "))
        .mapToLong(l -> Long.parseLong(l.split(" ")[1]) * 1000).findFirst().orElseThrow();
  }
}
