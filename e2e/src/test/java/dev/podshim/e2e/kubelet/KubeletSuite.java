package dev.podshim.e2e.kubelet;

import static dev.podshim.e2e.kubelet.KubeletNode.IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.podshim.cri.v1.Container;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.testing.NodeLeaks;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubelet on podshim, one kubelet run per subclass (its feature gates): every static pod
 * of {@link SuitePods} is written at once, the tests then check, in order, what kubelet reports
 * (read-only port: /pods, /stats/summary, /metrics) and what is on the node. The last two remove
 * every pod and check that nothing is left behind; the order matters only there and for the
 * podshimd kill, which comes after what must be seen before it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class KubeletSuite {
  /** From writing the manifests, time for every pod to be up (and a failed start to fail every test quickly). */
  private static final Duration START = Duration.ofSeconds(120);
  /** How long a stable pod is watched for restarts and duplicate containers. */
  private static final Duration STABLE = Duration.ofSeconds(30);

  private KubeletNode node;
  private Kubelet kubelet;
  private int hostNetworkPort;
  private Path crashLoopStarts;
  private long manifestsWrittenAt;
  private long webReadyAt;
  private Map<String, String> webContainerIds = Map.of();
  private RemovalBaseline baseline;
  private TestDevicePlugin devicePlugin;

  /** kubelet's feature gates for this run. */
  abstract Map<String, Boolean> featureGates();

  @BeforeAll
  void startKubeletWithEveryPod(@TempDir Path dir) throws Exception {
    node = KubeletNode.start(dir, getClass().getSimpleName(), featureGates());
    kubelet = node.kubelet;
    devicePlugin = TestDevicePlugin.start(dir); // before the manifests: kubelet admits the cdi pod only with the devices known
    hostNetworkPort = Kubelet.freePort();
    crashLoopStarts = dir.resolve("crashloop-starts");
    for (Map.Entry<String, String> pod : SuitePods.all(IMAGE, hostNetworkPort, crashLoopStarts).entrySet()) {
      kubelet.writeManifest(pod.getKey(), pod.getValue());
    }
    manifestsWrittenAt = System.nanoTime();
  }

  /** What is left of {@code budget} counted from when the manifests were written; zero once spent. */
  private Duration sinceManifests(Duration budget) {
    return Duration.ofNanos(Math.max(0, manifestsWrittenAt + budget.toNanos() - System.nanoTime()));
  }

  @AfterAll
  void removeEveryPodAndStop() throws Exception {
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      if (devicePlugin != null) {
        devicePlugin.close();
      }
    }
  }

  @Test
  @Order(1)
  void everyContainerStartsWhileKubeletSeesTheHostsHugepages() throws Exception {
    // kubelet sends a hugepage limit (zero unless asked) for every size the host offers; where runc
    // has no hugetlb controller for its cgroup version (this hybrid host: hugetlb only on v2),
    // containers must start regardless
    try (Stream<Path> sizes = Files.list(Path.of("/sys/kernel/mm/hugepages"))) {
      assertThat(sizes.toList()).as("hugepage sizes kubelet sees (what this test is about)").isNotEmpty();
    }
    node.eventually("every long-running container runs", sinceManifests(START), () -> {
      KubeletPods pods = kubelet.pods();
      List<String> notRunning = new ArrayList<>();
      SuitePods.LONG_RUNNING.forEach((pod, containers) -> {
        for (String c : containers) {
          JsonNode state = pods.find(pod).map(p -> statusOrEmpty(p, c).path("state")).orElse(null);
          if (state == null || !state.has("running")) {
            notRunning.add(pod + "/" + c + ": " + state);
          }
        }
      });
      assertThat(notRunning).isEmpty();
    });
  }

  @Test
  @Order(2)
  void twoContainersTalkOverLocalhostAndPassAnHttpAndAnExecProbe() throws Exception {
    // the client's exec probe passes once it fetched the server's page over the pod's localhost;
    // the server's HTTP probe comes from kubelet, on the host, to the pod's IP
    node.eventually("pod web is Ready", sinceManifests(START), () -> {
      KubeletPods.Pod web = kubelet.pods().get(SuitePods.WEB);
      assertThat(web.ready()).as(web.summary()).isTrue();
    });
    webReadyAt = System.nanoTime();
    KubeletPods.Pod web = kubelet.pods().get(SuitePods.WEB);
    webContainerIds = Map.of("server", web.containerId("server"), "client", web.containerId("client"));
    String probes = kubelet.probeMetrics();
    for (var probe : Map.of("server", "Readiness", "client", "Readiness").entrySet()) {
      assertThat(PromText.sum(probes, "prober_probe_total", Map.of("pod", "web-" + Kubelet.NODE_NAME,
          "container", probe.getKey(), "probe_type", probe.getValue(), "result", "successful")))
          .as("successful %s probes of %s in kubelet's /metrics/probes", probe.getValue(), probe.getKey()).isPositive();
    }
  }

  @Test
  @Order(3)
  void initContainersRunInOrderAndShareAnEmptyDirWithTheMainContainer() throws Exception {
    node.eventually("pod init's containers ran in order", sinceManifests(START), () -> {
      KubeletPods.Pod init = kubelet.pods().get(SuitePods.INIT);
      for (String name : List.of("first", "second")) {
        JsonNode terminated = init.initContainer(name).path("state").path("terminated");
        assertThat(terminated.path("exitCode").asInt(-1)).as(init.summary()).isZero();
        assertThat(terminated.path("reason").asText()).as(init.summary()).isEqualTo("Completed");
      }
      assertThat(init.running("main")).as(init.summary()).isTrue();
      assertThat(containerLog(init, "main"))
          .containsPattern("(?m) stdout F from-first$").containsPattern("(?m) stdout F from-second$");
    });
  }

  @Test
  @Order(4)
  void aHostNetworkPodServesOnTheNodesLoopback() throws Exception {
    node.eventually("pod hostnet answers on 127.0.0.1:" + hostNetworkPort, sinceManifests(START),
        () -> assertThat(httpGet("http://127.0.0.1:" + hostNetworkPort + "/index.html")).isEqualTo("hello-from-host-network\n"));
    long pid = NodeProcesses.containerPid(node.podshimd.runtime, kubelet.pods().get(SuitePods.HOST_NETWORK).containerId("server"));
    assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns/net")))
        .as("the container's network namespace").isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
  }

  @Test
  @Order(5)
  void cpuAndMemoryLimitsAreInTheContainersCgroup() throws Exception {
    node.eventually("pod limits runs", sinceManifests(START), () -> assertThat(kubelet.pods().get(SuitePods.LIMITS).running("limited")).isTrue());
    KubeletPods.Pod pod = kubelet.pods().get(SuitePods.LIMITS);
    Map<String, Path> cgroups = NodeProcesses.cgroupDirs(NodeProcesses.containerPid(node.podshimd.runtime, pod.containerId("limited")));
    // cpu: 250m is a quarter of each 100 ms period; memory: 64Mi
    assertThat(cgroups.get("memory")).as("the container's memory cgroup, under kubelet's pod cgroup")
        .asString().contains(kubelet.cgroupRoot + "/kubepods/pod" + pod.uid() + "/");
    assertThat(NodeProcesses.read(cgroups.get("memory").resolve("memory.limit_in_bytes"))).isEqualTo("67108864");
    assertThat(NodeProcesses.read(cgroups.get("cpu").resolve("cpu.cfs_period_us"))).isEqualTo("100000");
    assertThat(NodeProcesses.read(cgroups.get("cpu").resolve("cpu.cfs_quota_us"))).isEqualTo("25000");
    assertThat(NodeProcesses.read(cgroups.get("cpu").resolve("cpu.shares"))).isEqualTo("256");
  }

  @Test
  @Order(6)
  void aContainerOverItsMemoryLimitIsReportedOomKilled() throws Exception {
    node.eventually("pod oom's container ends OOMKilled", sinceManifests(START), () -> {
      KubeletPods.Pod oom = kubelet.pods().get(SuitePods.OOM);
      JsonNode terminated = oom.container("hog").path("state").path("terminated");
      assertThat(terminated.path("reason").asText()).as(oom.summary()).isEqualTo("OOMKilled");
      assertThat(terminated.path("exitCode").asInt()).isEqualTo(137);
    });
  }

  @Test
  @Order(7)
  void logsAreRotatedAtContainerLogMaxSizeAndTheContainerWritesOnIntoANewFile() throws Exception {
    // a compressed file exists only after a second rotation, which needs the current log to have
    // grown past 1Ki again: the container's output went to the new file after ReopenContainerLog
    node.eventually("pod logs' log rotated twice", sinceManifests(START), () -> {
      Path logDir = kubelet.containerLogDir(kubelet.pods().get(SuitePods.LOGS), "chatty");
      List<String> files = list(logDir);
      assertThat(files).as("in " + logDir).contains("0.log")
          .anyMatch(f -> f.matches("0\\.log\\.\\d{8}-\\d{6}"))
          .anyMatch(f -> f.matches("0\\.log\\.\\d{8}-\\d{6}\\.gz"));
      assertThat(files.stream().filter(f -> !f.endsWith(".tmp"))).as("containerLogMaxFiles is 3").hasSizeLessThanOrEqualTo(3);
      assertThat(Files.readString(logDir.resolve("0.log"))).containsPattern("(?m) stdout F line-\\d+-\\d+-padding");
    });
  }

  @Test
  @Order(8)
  void statsSummaryHasCpuMemoryAndNetworkOfAPodNetworkPod() throws Exception {
    node.eventually("/stats/summary has pod web's CPU, memory and network", sinceManifests(START), () -> {
      JsonNode web = summaryOf(SuitePods.WEB);
      assertThat(web.path("cpu").path("usageCoreNanoSeconds").asLong()).as("pod cpu: " + web.path("cpu")).isPositive();
      assertThat(web.path("memory").path("workingSetBytes").asLong()).as("pod memory: " + web.path("memory")).isPositive();
      JsonNode network = web.path("network");
      assertThat(network.path("rxBytes").asLong()).as("pod network: " + network).isPositive();
      assertThat(network.path("txBytes").asLong()).as("pod network: " + network).isPositive();
      assertThat(network.path("interfaces").findValuesAsText("name")).as("pod network: " + network).contains("eth0");
      List<String> containers = web.path("containers").findValuesAsText("name");
      assertThat(containers).containsExactlyInAnyOrder("server", "client");
      for (JsonNode c : web.path("containers")) {
        assertThat(c.path("cpu").path("usageCoreNanoSeconds").asLong()).as(c.toString()).isPositive();
        assertThat(c.path("memory").path("workingSetBytes").asLong()).as(c.toString()).isPositive();
      }
    });
  }

  @Test
  @Order(9)
  void containerStatusesNameTheImageThePodAskedFor() throws Exception {
    node.requireKubeletRunning();
    KubeletPods pods = kubelet.pods();
    List<String> wrong = new ArrayList<>();
    SuitePods.LONG_RUNNING.forEach((pod, containers) -> {
      for (String c : containers) {
        JsonNode status = pods.get(pod).container(c);
        if (!status.path("image").asText().equals(IMAGE)
            || !status.path("imageID").asText().matches("(sha256:|\\S+@sha256:)[0-9a-f]{64}")) {
          wrong.add(pod + "/" + c + ": image=" + status.path("image").asText() + " imageID=" + status.path("imageID").asText());
        }
      }
    });
    assertThat(wrong.stream().limit(3)).as("containers (%d, first 3) whose image is not %s or whose imageID is not an image id or digest",
        wrong.size(), IMAGE).isEmpty();
  }

  @Test
  @Order(9)
  void aDevicePluginsCdiDeviceReachesTheContainer() throws Exception {
    node.eventually("pod cdi runs", sinceManifests(START), () -> assertThat(kubelet.pods().get(SuitePods.CDI).running("dev"))
        .as(kubelet.pods().get(SuitePods.CDI).summary()).isTrue());
    assertThat(devicePlugin.allocated).as("devices kubelet allocated through the plugin").hasSize(1);
    String id = kubelet.pods().get(SuitePods.CDI).containerId("dev");
    String seen = execIn(id, "sh", "-c", "stat -c '%F %t:%T' " + TestDevicePlugin.CONTAINER_NODE + "; echo $"
        + TestDevicePlugin.ENV + "; cat " + TestDevicePlugin.MOUNTED + "/hello; echo x > " + TestDevicePlugin.CONTAINER_NODE
        + " && echo written");
    assertThat(seen).isEqualTo("character special file 1:3\n" + devicePlugin.allocated.iterator().next()
        + "\nmounted-by-cdi\nwritten\n");
  }

  private String execIn(String containerId, String... command) {
    var r = node.podshimd.runtime.execSync(dev.podshim.cri.v1.ExecSyncRequest.newBuilder().setContainerId(containerId)
        .addAllCmd(List.of(command)).setTimeout(10).build());
    assertThat(r.getExitCode()).as(r.getStderr().toStringUtf8()).isZero();
    return r.getStdout().toStringUtf8();
  }

  @Test
  @Order(9)
  void aPodWithoutHostUsersRunsAsUnprivilegedHostIdsAndWritesItsEmptyDir() throws Exception {
    node.eventually("pod userns runs", sinceManifests(START), () -> {
      KubeletPods.Pod pod = kubelet.pods().get(SuitePods.USERNS);
      assertThat(pod.running("main")).as(pod.summary()).isTrue();
    });
    String id = kubelet.pods().get(SuitePods.USERNS).containerId("main");
    long pid = NodeProcesses.containerPid(node.podshimd.runtime, id);
    // kubelet picked the pod's range (never host id 0): root inside, that id outside
    String[] uidMap = Files.readString(Path.of("/proc/" + pid + "/uid_map")).trim().split("\\s+");
    assertThat(uidMap).hasSize(3);
    assertThat(uidMap[0]).isEqualTo("0");
    long hostId = Long.parseLong(uidMap[1]);
    assertThat(hostId).isPositive();
    assertThat(Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        .contains("Uid:\t" + hostId + "\t" + hostId + "\t" + hostId + "\t" + hostId);
    String written = node.podshimd.runtime.execSync(dev.podshim.cri.v1.ExecSyncRequest.newBuilder().setContainerId(id)
        .addCmd("cat").addCmd("/scratch/file").setTimeout(10).build()).getStdout().toStringUtf8();
    assertThat(written).isEqualTo(SuitePods.USERNS_WRITTEN + "\n0\n");
  }

  @Test
  @Order(10)
  void aCrashingContainerIsRestartedAfterABackOffThatDoubles() throws Exception {
    Path uptimes = crashLoopStarts.resolve("uptimes");
    node.eventually("pod crashloop started four times", sinceManifests(START.plusSeconds(60)),
        () -> assertThat(Files.exists(uptimes) ? Files.readAllLines(uptimes) : List.of()).hasSizeGreaterThanOrEqualTo(4));
    List<Double> starts = Files.readAllLines(uptimes).stream().map(l -> Double.parseDouble(l.split(" ")[0])).toList();
    // kubelet restarts the first exit at once, then waits 10 s, then 20 s; lower bounds with 1 s of slack
    assertThat(starts.get(2) - starts.get(1)).as("seconds from 2nd to 3rd start, all: " + starts).isGreaterThanOrEqualTo(9.0);
    assertThat(starts.get(3) - starts.get(2)).as("seconds from 3rd to 4th start, all: " + starts).isGreaterThanOrEqualTo(19.0);
    KubeletPods.Pod crash = kubelet.pods().get(SuitePods.CRASH_LOOP);
    assertThat(crash.restartCount("crash")).as(crash.summary()).isGreaterThanOrEqualTo(3);
  }

  @Test
  @Order(11)
  void eachSpecContainerRunsExactlyOnceAndAStablePodNeverRestarts() throws Exception {
    node.requireKubeletRunning();
    assertThat(webContainerIds).as("pod web's containers, from when it became ready").isNotEmpty();
    long until = webReadyAt + STABLE.toNanos();
    do {
      node.stopKubeletIfContainersMultiply();
      node.requireKubeletRunning();
      KubeletPods.Pod web = kubelet.pods().get(SuitePods.WEB);
      for (String c : List.of("server", "client")) {
        assertThat(web.restartCount(c)).as(web.summary()).isZero();
        assertThat(web.containerId(c)).as("container " + c + " of pod web").isEqualTo(webContainerIds.get(c));
      }
      assertOneRunningContainerPerSpecContainer();
      Thread.sleep(1000);
    } while (System.nanoTime() < until);
  }

  @Test
  @Order(12)
  void killingPodshimdUnderARunningKubeletRestartsNoContainer() throws Exception {
    node.requireKubeletRunning();
    Map<String, RunningContainer> before = runningContainers();
    node.podshimd.kill9();
    for (RunningContainer c : before.values()) {
      assertThat(ProcessHandle.of(c.pid())).as(c + " while podshimd is down").isPresent();
    }
    node.podshimd.start();
    // kubelet's relist (or its event stream, reconnected) must find every container as it was
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    do {
      assertThat(runningContainers()).as("containers after podshimd's kill -9 and restart").isEqualTo(before);
      Thread.sleep(1000);
    } while (System.nanoTime() < until);
    assertOneRunningContainerPerSpecContainer();
    node.eventually("pod web is Ready after the restart", Duration.ofSeconds(60),
        () -> assertThat(kubelet.pods().get(SuitePods.WEB).ready()).isTrue());
  }

  @Test
  @Order(13)
  void imageFsInfoAnswersWhileKubeletRemovesEveryPod() throws Exception {
    node.eventually("the churn pods filled their writable layers", sinceManifests(START), () -> {
      for (String pod : SuitePods.CHURN) {
        assertThat(kubelet.pods().get(pod).ready()).as(kubelet.pods().get(pod).summary()).isTrue();
      }
    });
    baseline = RemovalBaseline.take(node, kubelet.cgroupRoot);
    int kubeletLogLines = (int) kubelet.log().lines().count();
    ImageFsInfoCaller imageFsInfo = new ImageFsInfoCaller(node.podshimd);
    try (imageFsInfo) {
      kubelet.deleteAllManifests();
      node.eventually("kubelet removes every pod and container", Duration.ofSeconds(120), () -> {
        assertThat(node.sandboxes()).isEmpty();
        assertThat(node.podshimd.runtime.listContainers(ListContainersRequest.getDefaultInstance())
            .getContainersList()).isEmpty();
      });
    }
    List<String> failures = imageFsInfo.failures();
    assertThat(failures.stream().limit(3)).as("ImageFsInfo failures (%d of %d calls, first 3) while kubelet removed %d containers",
        failures.size(), imageFsInfo.answered() + failures.size(), baseline.containerPids().size()).isEmpty();
    assertThat(imageFsInfo.answered()).isPositive();
    List<String> kubeletComplaints = kubelet.log().lines().skip(kubeletLogLines)
        .filter(l -> l.startsWith("E") && (l.contains("ImageFsInfo") || l.contains("HasDedicatedImageFs"))).toList();
    assertThat(kubeletComplaints).as("kubelet's errors about the image filesystem during the removals").isEmpty();
  }

  @Test
  @Order(14)
  void removedPodsLeaveNoProcessMountCgroupOrFileBehind() throws Exception {
    assertThat(baseline).as("what ran before the removals (the previous test)").isNotNull();
    node.eventually("nothing of the removed pods is left", Duration.ofSeconds(90), () -> {
      assertThat(NodeLeaks.of(node.podshimRoot)).as("podshim's processes, mounts and state").matches(NodeLeaks::empty);
      assertThat(baseline.alive()).as("pause, container and conmon processes still alive").isEmpty();
      assertThat(baseline.containerCgroups().stream().filter(Files::exists)).as("container cgroups left").isEmpty();
      assertThat(node.hostChanges.podCgroups()).as("kubelet's pod cgroups left").isEmpty();
      assertThat(list(node.podshimRoot.resolve("images/snapshots"))).as("snapshots left").isEmpty();
      assertThat(list(kubelet.rootDir.resolve("pods"))).as("kubelet's pod dirs left").isEmpty();
      assertThat(list(kubelet.podLogs)).as("pod log dirs left").isEmpty();
      assertThat(node.hostChanges.containerLogLinks()).as("kubelet's links in " + KubeletHostChanges.CONTAINER_LOG_LINKS).isEmpty();
    });
  }

  @Test
  @Order(8)
  void anImageVolumeIsReadOnlyAndOneMountServesItsSubPathToo() throws Exception {
    node.eventually("pod imagevolume's container read its image volume", sinceManifests(START), () -> {
      KubeletPods.Pod pod = kubelet.pods().get(SuitePods.IMAGE_VOLUME);
      assertThat(pod.running("reader")).as(pod.summary()).isTrue();
      assertThat(containerLog(pod, "reader")).as("the container's log")
          .containsPattern("(?m) stdout F alice:x:1000:1000:alice:/home/alice:/bin/sh$")
          .containsPattern("(?m) stdout F volume-read-only$")
          .containsPattern("(?m) stdout F sub-path: alice$");
    });
    String reader = kubelet.pods().get(SuitePods.IMAGE_VOLUME).containerId("reader");
    Path volumes = node.podshimRoot.resolve("images/volumes");
    assertThat(list(volumes)).as("image volumes: one for the image, both of the container's mounts in it").hasSize(1);
    assertThat(list(volumes.resolve(list(volumes).getFirst()).resolve("holders"))).containsExactly(reader);
  }

  @Test
  @Order(15)
  void noImageVolumeIsLeftAfterTheRemovals() throws Exception {
    assertThat(baseline).as("the removals ran (test 13)").isNotNull();
    assertThat(list(node.podshimRoot.resolve("images/volumes"))).as("image volumes left").isEmpty();
  }

  // ---- helpers

  /** Kubelet's view and podshim's of the long-running containers: ids, restarts, pids. */
  private Map<String, RunningContainer> runningContainers() throws IOException {
    KubeletPods pods = kubelet.pods();
    Map<String, RunningContainer> all = new HashMap<>();
    for (var e : SuitePods.LONG_RUNNING.entrySet()) {
      for (String c : e.getValue()) {
        KubeletPods.Pod pod = pods.get(e.getKey());
        String id = pod.containerId(c);
        all.put(e.getKey() + "/" + c, new RunningContainer(id, pod.restartCount(c), NodeProcesses.containerPid(node.podshimd.runtime, id)));
      }
    }
    return all;
  }

  record RunningContainer(String id, int restartCount, long pid) {}

  /** podshim holds one running container per container of each long-running pod's spec, in one ready sandbox. */
  private void assertOneRunningContainerPerSpecContainer() {
    for (var e : SuitePods.LONG_RUNNING.entrySet()) {
      List<Container> containers = NodeProcesses.containersOf(node.podshimd.runtime, e.getKey());
      Map<String, Long> running = containers.stream().filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING)
          .collect(Collectors.groupingBy(c -> c.getMetadata().getName(), Collectors.counting()));
      Map<String, Long> expected = e.getValue().stream().collect(Collectors.toMap(c -> c, c -> 1L));
      assertThat(running).as("running containers of pod %s by name; all: %s", e.getKey(),
          containers.stream().map(c -> c.getMetadata().getName() + "#" + c.getMetadata().getAttempt() + " " + c.getState()).toList())
          .isEqualTo(expected);
    }
    Map<String, Long> readySandboxes = node.sandboxes().stream()
        .filter(s -> s.getState() == PodSandboxState.SANDBOX_READY)
        .collect(Collectors.groupingBy(s -> s.getMetadata().getName(), Collectors.counting()));
    for (String pod : SuitePods.LONG_RUNNING.keySet()) {
      assertThat(readySandboxes.get(pod + "-" + Kubelet.NODE_NAME)).as("ready sandboxes of pod " + pod).isEqualTo(1L);
    }
  }

  private static JsonNode statusOrEmpty(KubeletPods.Pod pod, String container) {
    try {
      return pod.container(container);
    } catch (AssertionError e) {
      return MissingNode.getInstance();
    }
  }

  private JsonNode summaryOf(String pod) throws IOException {
    for (JsonNode p : kubelet.statsSummary().path("pods")) {
      if (p.path("podRef").path("name").asText().equals(pod + "-" + Kubelet.NODE_NAME)) {
        return p;
      }
    }
    throw new AssertionError("no pod " + pod + " in /stats/summary");
  }

  private String containerLog(KubeletPods.Pod pod, String container) throws IOException {
    Path log = kubelet.containerLogDir(pod, container).resolve("0.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private static List<String> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String httpGet(String url) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
  }
}
