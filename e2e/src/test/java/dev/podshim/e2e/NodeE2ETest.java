package dev.podshim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ImageStatusRequest;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.PortForwardRequest;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.container.StreamOptions;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.streaming.ExecResult;
import dev.podshim.streaming.ForwardedConnection;
import dev.podshim.streaming.PortForwardSession;
import dev.podshim.streaming.StreamClient;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import dev.podshim.testing.TestNetwork;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node's day, in order, as kubelet drives it: pull an image through the node's registry mirror,
 * run a pod of two containers that talk over the pod's localhost, read their logs, exec into one
 * and port-forward to it (kubectl exec and port-forward's streams), check that the metrics agree
 * with what runs, restart the daemon (SIGTERM, then kill -9) with the pod running, and tear the pod
 * down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeE2ETest {
  /** The name kubelet would ask for; only the mirror (the local registry) can serve it. */
  private static final String IMAGE = "registry.k8s.io/e2e-test-images/busybox:1.29-2";
  @TempDir static Path dir;
  private ImageTestRegistry registry;
  private TestNetwork network;
  private Podshimd daemon;
  private PodSandboxConfig.Builder pod;
  private String podId;
  private String serverId;
  private long pausePid;
  private long serverPid;

  @BeforeAll
  void start() throws Exception {
    registry = ImageTestRegistry.start(dir.resolve("registry"));
    registry.pushBusybox("e2e-test-images/busybox", "1.29-2");
    network = new TestNetwork(dir.resolve("daemon/root"));
    Path config = dir.resolve("podshim.toml");
    Files.writeString(config, """
        log_level = "info"
        stop_timeout_seconds = 2
        [registry.mirrors."registry.k8s.io"]
        endpoints = ["http://%s"]
        """.formatted(registry.host()));
    int metricsPort;
    try (ServerSocket s = new ServerSocket(0)) {
      metricsPort = s.getLocalPort();
    }
    Files.createDirectories(dir.resolve("daemon"));
    daemon = Podshimd.create(dir.resolve("daemon"), config, metricsPort, network.flags()).start();
    System.out.println("e2e: podshimd started from the " + Podshimd.how() + ": " + String.join(" ", daemon.command()));
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (podId != null && daemon != null) {
        daemon.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      }
    } finally {
      if (daemon != null) {
        daemon.stop();
      }
      if (network != null) {
        network.close();
      }
      if (registry != null) {
        registry.close();
      }
    }
  }

  @Test
  @Order(1)
  void pullsTheImageThroughTheRegistryMirror() {
    var pulled = daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(IMAGE)).build());
    assertThat(pulled.getImageRef()).startsWith("sha256:");
    var status = daemon.images.imageStatus(ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(IMAGE)).build());
    assertThat(status.getImage().getRepoTagsList()).contains(IMAGE);
  }

  @Test
  @Order(2)
  void twoContainersOfAPodTalkOverLocalhostAndTheirOutputIsInTheirLogs() throws Exception {
    pod = Pods.config("web").setLogDirectory(dir.resolve("logs/web").toString());
    podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
    pausePid = pidOf(daemon.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
        .setPodSandboxId(podId).setVerbose(true).build()).getInfoMap().get("info"));

    serverId = startContainer("server", "server.log", "sh", "-c",
        "mkdir -p /tmp/www && echo hello-over-localhost > /tmp/www/index.html && echo serving && exec httpd -f -p 8080 -h /tmp/www");
    String clientId = startContainer("client", "client.log", "sh", "-c",
        "for i in $(seq 100); do wget -q -O - http://127.0.0.1:8080/index.html && exit 0; sleep 0.1; done; exit 1");

    var client = Containers.awaitState(daemon.runtime, clientId, ContainerState.CONTAINER_EXITED, Duration.ofSeconds(30));
    assertThat(client.getExitCode()).as("client's exit code; its log:\n" + log("client.log")).isZero();
    assertThat(log("client.log")).containsPattern("(?m)^\\S+ stdout F hello-over-localhost$");
    assertThat(log("server.log")).containsPattern("(?m)^\\S+ stdout F serving$");
    serverPid = pidOf(daemon.runtime.containerStatus(ContainerStatusRequest.newBuilder()
        .setContainerId(serverId).setVerbose(true).build()).getInfoMap().get("info"));
    assertThat(ProcessHandle.of(serverPid)).isPresent();
  }

  @Test
  @Order(3)
  void execAndPortForwardReachTheServerContainer() throws Exception {
    var sync = daemon.runtime.execSync(ExecSyncRequest.newBuilder().setContainerId(serverId)
        .addAllCmd(List.of("cat", "/tmp/www/index.html")).setTimeout(10).build());
    assertThat(sync.getExitCode()).isZero();
    assertThat(sync.getStdout().toStringUtf8()).isEqualTo("hello-over-localhost\n");
    try (StreamClient client = new StreamClient()) {
      // kubectl exec: the URL the Exec RPC answers, streamed over SPDY
      String execUrl = daemon.runtime.exec(ExecRequest.newBuilder().setContainerId(serverId)
          .addAllCmd(List.of("sh", "-c", "cat /tmp/www/index.html; exit 7")).setStdout(true).setStderr(true).build()).getUrl();
      ExecResult exec = client.spdyExec(execUrl, new StreamOptions(false, true, true, false));
      assertThat(exec.stdoutText()).isEqualTo("hello-over-localhost\n");
      assertThat(exec.status()).contains("7");
      // kubectl port-forward: HTTP to the server's port through the pod's network namespace
      String pfUrl = daemon.runtime.portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId).build()).getUrl();
      try (PortForwardSession session = client.spdyPortForward(pfUrl)) {
        ForwardedConnection http = session.openConnection(8080);
        http.write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        http.data().awaitText("hello-over-localhost", Duration.ofSeconds(20));
        http.close();
      }
    }
  }

  @Test
  @Order(4)
  void theMetricsAgreeWithWhatRuns() throws Exception {
    String m = daemon.metrics();
    assertThat(daemon.sample(m, "podshim_sandboxes{state=\"ready\"}")).isEqualTo(1.0);
    assertThat(daemon.sample(m, "podshim_pause_processes")).isEqualTo(1.0);
    assertThat(daemon.sample(m, "podshim_containers{state=\"running\"}")).isEqualTo(1.0);
    assertThat(daemon.sample(m, "podshim_containers{state=\"exited\"}")).isEqualTo(1.0);
    assertThat(daemon.sample(m, "podshim_conmon_processes")).isEqualTo(daemon.sample(m, "podshim_conmon_expected")).isEqualTo(1.0);
    assertThat(daemon.sample(m, "podshim_pod_ips")).isEqualTo(1.0);
    assertThat(m).contains("podshim_rpc_duration_seconds_bucket{code=\"OK\",operation=\"RunPodSandbox\",le=\"60.0\"} 1");
  }

  @Test
  @Order(5)
  void thePodKeepsRunningThroughADaemonRestartAndIsRecovered() throws Exception {
    assertThat(daemon.stop()).as(daemon.log()).isIn(0, 143);
    assertThat(ProcessHandle.of(pausePid)).as("pause while podshimd is down").isPresent();
    assertThat(ProcessHandle.of(serverPid)).as("server while podshimd is down").isPresent();

    daemon.start();
    var sandboxes = daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
    assertThat(sandboxes).singleElement().satisfies(s -> {
      assertThat(s.getId()).isEqualTo(podId);
      assertThat(s.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
    });
    var server = Containers.status(daemon.runtime, serverId);
    assertThat(server.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(pidOf(daemon.runtime.containerStatus(ContainerStatusRequest.newBuilder()
        .setContainerId(serverId).setVerbose(true).build()).getInfoMap().get("info"))).isEqualTo(serverPid);
    // and still serves its pod: a new client after the restart reaches it
    String again = startContainer("client-again", "client-again.log", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html");
    assertThat(Containers.awaitState(daemon.runtime, again, ContainerState.CONTAINER_EXITED, Duration.ofSeconds(30)).getExitCode())
        .as(log("client-again.log")).isZero();
    String m = daemon.metrics();
    assertThat(daemon.sample(m, "podshim_pause_processes")).isEqualTo(daemon.sample(m, "podshim_sandboxes{state=\"ready\"}"));
    assertThat(daemon.sample(m, "podshim_conmon_processes")).isEqualTo(daemon.sample(m, "podshim_conmon_expected"));
  }

  @Test
  @Order(6)
  void thePodSurvivesAKill9OfTheDaemon() throws Exception {
    daemon.kill9();
    assertThat(ProcessHandle.of(pausePid)).isPresent();
    assertThat(ProcessHandle.of(serverPid)).isPresent();
    daemon.start();
    assertThat(daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList())
        .singleElement().satisfies(s -> assertThat(s.getState()).isEqualTo(PodSandboxState.SANDBOX_READY));
    assertThat(Containers.status(daemon.runtime, serverId).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    String m = daemon.metrics();
    assertThat(daemon.sample(m, "podshim_pause_processes")).isEqualTo(1.0);
    assertThat(daemon.sample(m, "podshim_conmon_processes")).isEqualTo(daemon.sample(m, "podshim_conmon_expected"));
  }

  @Test
  @Order(7)
  void stoppingThePodEndsItsProcesses() throws Exception {
    daemon.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    podId = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while ((ProcessHandle.of(pausePid).isPresent() || ProcessHandle.of(serverPid).isPresent()) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(ProcessHandle.of(pausePid)).isEmpty();
    assertThat(ProcessHandle.of(serverPid)).isEmpty();
    String m = daemon.metrics();
    assertThat(daemon.sample(m, "podshim_pause_processes")).isZero();
    assertThat(daemon.sample(m, "podshim_pod_ips")).isZero();
  }

  private String startContainer(String name, String logPath, String... command) {
    var config = Containers.config(name, IMAGE, command).setLogPath(logPath);
    String id = daemon.runtime.createContainer(Containers.create(podId, pod, config)).getContainerId();
    daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  private String log(String name) throws Exception {
    Path file = dir.resolve("logs/web").resolve(name);
    return Files.exists(file) ? Files.readString(file) : "(no " + file + ")";
  }

  private static long pidOf(String verboseInfo) throws Exception {
    return new ObjectMapper().readTree(verboseInfo).path("pid").asLong();
  }

  static List<String> lines(String s) {
    return new ArrayList<>(s.lines().toList());
  }
}
