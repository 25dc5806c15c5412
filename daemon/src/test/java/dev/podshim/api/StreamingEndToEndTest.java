package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.container.StreamOptions;
import dev.podshim.cri.v1.AttachRequest;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PortForwardRequest;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.streaming.ExecResult;
import dev.podshim.streaming.ForwardedConnection;
import dev.podshim.streaming.PortForwardSession;
import dev.podshim.streaming.RemoteSession;
import dev.podshim.streaming.StreamClient;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Exec, Attach and PortForward the way kubelet and crictl use them: the RPC hands out a URL, a
 * client opens it on the daemon's real streaming server, and a real container under conmon and
 * runc answers. The protocol tests in {@code streaming} use local processes; this is their real
 * counterpart.
 */
class StreamingEndToEndTest extends ContainerHarnessTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final StreamClient client = new StreamClient();
  private PodSandboxConfig.Builder pod;
  private String podId;

  @BeforeEach
  void pod() {
    pullBusybox();
    pod = Pods.config("stream");
    podId = runPod(pod);
  }

  @AfterEach
  void closeClient() {
    client.close();
  }

  private String exec(String id, boolean stdin, boolean tty, String... cmd) {
    return cri.runtime.exec(ExecRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
        .setStdin(stdin).setStdout(true).setStderr(!tty).setTty(tty).build()).getUrl();
  }

  @Test
  void execOverSpdyAndWebSocketWithExitCodesAndStdin() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("app", busybox, "sleep", "1000"));

    ExecResult failed = client.spdyExec(exec(id, false, false, "sh", "-c", "echo out; echo err >&2; exit 3"),
        new StreamOptions(false, true, true, false));
    assertThat(failed.stdoutText()).isEqualTo("out\n");
    assertThat(failed.stderrText()).isEqualTo("err\n");
    assertThat(failed.status()).contains("NonZeroExitCode").contains("\"message\":\"3\"");

    ExecResult echoed = client.wsExec(exec(id, true, false, "cat"), "v5.channel.k8s.io",
        new StreamOptions(true, true, true, false), "typed\n".getBytes(StandardCharsets.UTF_8));
    assertThat(echoed.stdoutText()).isEqualTo("typed\n");
    assertThat(echoed.status()).contains("Success");

    // the command runs as the container's process does: as its user, inside its hostname (the pod's)
    ExecResult who = client.spdyExec(exec(id, false, false, "sh", "-c", "id -u; hostname"),
        new StreamOptions(false, true, true, false));
    assertThat(who.stdoutText()).isEqualTo("0\n" + pod.getHostname() + "\n");
  }

  /** 1,000 URLs handed out and never opened are a client's share used up, not a runtime that is down. */
  @Test
  void unusedExecUrlsRunOutAsResourceExhaustedAndComeBackOnUse() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("app", busybox, "sleep", "1000"));
    String first = exec(id, false, false, "echo", "first");
    for (int i = 1; i < 1000; i++) {
      exec(id, false, false, "true");
    }
    assertThatThrownBy(() -> exec(id, false, false, "true")).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Code.RESOURCE_EXHAUSTED));
    assertThat(client.spdyExec(first, new StreamOptions(false, true, true, false)).stdoutText()).isEqualTo("first\n");
    assertThat(exec(id, false, false, "true")).as("an opened URL makes room").isNotEmpty();
  }

  @Test
  void execOnATerminalStartsAtTheClientsSizeAndFollowsResizes() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("app", busybox, "sleep", "1000"));
    try (RemoteSession session = client.spdy(exec(id, true, true, "sh", "-c", "stty size; read line; stty size"),
        new StreamOptions(true, true, false, true), StreamClient.SPDY_REMOTE_COMMAND)) {
      session.resize(100, 40); // kubectl sends the terminal's size as soon as the stream is open
      session.stdout().awaitText("40 100", WAIT);
      session.resize(120, 33);
      Thread.sleep(200); // the resize goes through conmon's fifo; the read below must come after it
      session.stdin("go\n".getBytes(StandardCharsets.UTF_8));
      session.stdout().awaitText("33 120", WAIT);
      assertThat(session.await(WAIT).status()).contains("Success");
    }
  }

  @Test
  void attachSeesOutputTakesStdinAndDetachLeavesTheContainerRunning() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("shell", busybox, "sh")
        .setStdin(true).setStdinOnce(false));
    String url = cri.runtime.attach(AttachRequest.newBuilder().setContainerId(id).setStdin(true).setStdout(true)
        .setStderr(true).build()).getUrl();
    try (RemoteSession session = client.spdy(url, new StreamOptions(true, true, true, false),
        StreamClient.SPDY_REMOTE_COMMAND)) {
      session.stdin("echo attached-$((6*7))\n".getBytes(StandardCharsets.UTF_8));
      session.stdout().awaitText("attached-42", WAIT);
      session.disconnect();
    }
    Thread.sleep(300);
    assertThat(Containers.status(cri.runtime, id).getState())
        .isEqualTo(dev.podshim.cri.v1.ContainerState.CONTAINER_RUNNING);
  }

  @Test
  void portForwardReachesAServerInThePodAndReportsAClosedPort() throws Exception {
    createAndStart(podId, pod, Containers.config("echo", busybox, "nc", "-ll", "-p", "8080", "-e", "cat"));
    String url = cri.runtime.portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId).build()).getUrl();
    try (PortForwardSession session = client.spdyPortForward(url)) {
      ForwardedConnection closed = session.openConnection(8081);
      closed.error().awaitText("8081", WAIT);

      ForwardedConnection echo = awaitListening(session);
      echo.write("ping\n".getBytes(StandardCharsets.UTF_8));
      echo.data().awaitText("ping", WAIT);
      echo.close();
    }
  }

  /** nc starts listening a moment after the container starts: retry until a connection answers. */
  private static ForwardedConnection awaitListening(PortForwardSession session) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      ForwardedConnection c = session.openConnection(8080);
      Thread.sleep(200);
      if (c.error().count() == 0 || System.nanoTime() > deadline) {
        return c;
      }
      c.close();
    }
  }

  @Test
  void fiftyConcurrentSessionsAllComeBackAndLeaveNothing() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("app", busybox, "sleep", "1000"));
    long fdsBefore = openFds();
    List<java.util.concurrent.Future<ExecResult>> sessions = new java.util.ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 50; i++) {
        String url = exec(id, false, false, "sh", "-c", "echo session-" + i);
        sessions.add(pool.submit(() -> client.spdyExec(url, new StreamOptions(false, true, true, false))));
      }
      for (int i = 0; i < 50; i++) {
        assertThat(sessions.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS).stdoutText())
            .isEqualTo("session-" + i + "\n");
      }
    }
    awaitNoSessionThreads();
    assertThat(cri.registry.get("podshim.streaming.sessions.active").tag("kind", "exec").gauge().value()).isZero();
    assertThat(openFds()).as("fds of the daemon (this JVM) after 50 sessions").isLessThan(fdsBefore + 10);
  }

  @Test
  void aClientThatGoesAwayMidStreamEndsItsCommand() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("app", busybox, "sleep", "1000"));
    RemoteSession session = client.spdy(exec(id, false, false, "sh", "-c", "echo up; exec sleep 777"),
        new StreamOptions(false, true, true, false), StreamClient.SPDY_REMOTE_COMMAND);
    session.stdout().awaitText("up", WAIT);
    session.disconnect();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (out(id, "ps").contains("sleep 777") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(out(id, "ps")).doesNotContain("sleep 777");
    awaitNoSessionThreads();
  }

  private static long openFds() throws java.io.IOException {
    try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  /** Each exec or attach has one platform thread, named after its kind and container. */
  private static void awaitNoSessionThreads() throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline && sessionThreads() > 0) {
      Thread.sleep(50);
    }
    assertThat(sessionThreads()).as("exec/attach session threads left").isZero();
  }

  private static long sessionThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("exec-") || t.getName().startsWith("attach-")).count();
  }

  @Test
  void streamingRpcsRefuseWhatCannotBeStreamed() throws Exception {
    String id = createAndStart(podId, pod, Containers.config("app", busybox, "sleep", "1000"));
    assertThatThrownBy(() -> cri.runtime.exec(ExecRequest.newBuilder().setContainerId(id).addCmd("true")
        .setStdout(true).setStderr(true).setTty(true).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT));
    assertThatThrownBy(() -> cri.runtime.exec(ExecRequest.newBuilder().setContainerId("nope").addCmd("true")
        .setStdout(true).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND));
    assertThatThrownBy(() -> cri.runtime.portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId)
        .addPort(70000).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT));
    cri.runtime.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
    assertThatThrownBy(() -> cri.runtime.exec(ExecRequest.newBuilder().setContainerId(id).addCmd("true")
        .setStdout(true).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.FAILED_PRECONDITION));
  }
}
