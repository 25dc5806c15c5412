package dev.podshim.streaming;

import static dev.podshim.streaming.StreamingFixture.eventually;
import static dev.podshim.streaming.StreamingFixture.options;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.container.StreamOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** exec and attach over SPDY and WebSocket against real local processes. */
class RemoteCommandTest {
  static final String SUCCESS = "{\"metadata\":{},\"status\":\"Success\"}";
  static final String EXIT_3 = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with "
      + "non-zero exit code: error executing command [sh -c exit 3], exit code 3\",\"reason\":\"NonZeroExitCode\","
      + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}";
  static final StreamOptions OUT_ERR = options(false, true, true, false);
  static final StreamOptions ALL = options(true, true, true, false);

  StreamingFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new StreamingFixture();
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void spdyV4SeparatesStdoutAndStderrAndReportsSuccess() throws Exception {
    ExecResult r = f.client.spdyExec(f.exec(OUT_ERR, "sh", "-c", "echo out; echo err >&2"), OUT_ERR);
    assertThat(r.protocol()).isEqualTo("v4.channel.k8s.io");
    assertThat(r.stdoutText()).isEqualTo("out\n");
    assertThat(r.stderrText()).isEqualTo("err\n");
    assertThat(r.status()).isEqualTo(SUCCESS);
    eventually("session end", () -> f.sessions("exec", "success") == 1);
    assertThat(f.active("exec")).isZero();
    assertThat(f.bytes("exec", "out")).isGreaterThanOrEqualTo(8);
  }

  @Test
  void spdyStdinReachesTheProcessAndItsEndEndsIt() throws Exception {
    byte[] big = "x".repeat(300_000).getBytes(UTF_8);
    ExecResult r = f.client.spdyExec(f.exec(ALL, "cat"), ALL, "hello\n".getBytes(UTF_8), big);
    assertThat(r.stdoutCount()).isEqualTo(6 + big.length);
    assertThat(r.stdoutText()).startsWith("hello\nxxx");
    assertThat(r.status()).isEqualTo(SUCCESS);
    eventually("bytes in counted", () -> f.bytes("exec", "in") == 6 + big.length);
  }

  @Test
  void spdyNonZeroExitIsAFailureStatusWithTheCode() throws Exception {
    ExecResult r = f.client.spdyExec(f.exec(OUT_ERR, "sh", "-c", "exit 3"), OUT_ERR);
    assertThat(r.status()).isEqualTo(EXIT_3);
    eventually("session end", () -> f.sessions("exec", "exit_nonzero") == 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"})
  void spdyBeforeV4WritesOnlyTheFailureMessage(String protocol) throws Exception {
    try (RemoteSession s = f.client.spdy(f.exec(OUT_ERR, "sh", "-c", "exit 3"), OUT_ERR, List.of(protocol))) {
      ExecResult r = s.await(StreamClient.TIMEOUT);
      assertThat(r.protocol()).isEqualTo(protocol);
      assertThat(r.status()).isEqualTo(
          "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3");
    }
    try (RemoteSession s = f.client.spdy(f.exec(OUT_ERR, "true"), OUT_ERR, List.of(protocol))) {
      assertThat(s.await(StreamClient.TIMEOUT).status()).isEmpty();
    }
  }

  @Test
  void spdyUnknownProtocolIsForbiddenAndNoneIsABadRequest() {
    String url = f.exec(OUT_ERR, "true");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.client.spdy(url, OUT_ERR, List.of("v9.channel.k8s.io")))
        .isInstanceOfSatisfying(HttpFailure.class, e -> assertThat(e.status()).isEqualTo(403));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.client.spdy(f.exec(OUT_ERR, "true"), OUT_ERR, List.of()))
        .isInstanceOfSatisfying(HttpFailure.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void webSocketV5SeparatesStreamsEchoesStdinUntilTheCloseSignal() throws Exception {
    ExecResult r = f.client.wsExec(f.exec(ALL, "sh", "-c", "cat; echo err >&2; exit 3"), "v5.channel.k8s.io", ALL,
        "hello\n".getBytes(UTF_8));
    assertThat(r.protocol()).isEqualTo("v5.channel.k8s.io");
    assertThat(r.stdoutText()).isEqualTo("hello\n");
    assertThat(r.stderrText()).isEqualTo("err\n");
    assertThat(r.status()).isEqualTo(EXIT_3.replace("[sh -c exit 3]", "[sh -c cat; echo err >&2; exit 3]"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"v4.channel.k8s.io", "v4.base64.channel.k8s.io"})
  void webSocketV4(String protocol) throws Exception {
    ExecResult r = f.client.wsExec(f.exec(OUT_ERR, "sh", "-c", "echo out; echo err >&2"), protocol, OUT_ERR);
    assertThat(r.protocol()).isEqualTo(protocol);
    assertThat(r.stdoutText()).isEqualTo("out\n");
    assertThat(r.stderrText()).isEqualTo("err\n");
    assertThat(r.status()).isEqualTo(SUCCESS);
    ExecResult failed = f.client.wsExec(f.exec(OUT_ERR, "sh", "-c", "exit 3"), protocol, OUT_ERR);
    assertThat(failed.status()).isEqualTo(EXIT_3);
  }

  @Test
  void webSocketV4StdinEndsWithTheConnection() throws Exception {
    try (RemoteSession s = f.client.ws(f.exec(ALL, "cat"), ALL, "v4.channel.k8s.io")) {
      s.stdin("ping\n".getBytes(UTF_8));
      s.stdout().awaitText("ping\n", StreamClient.TIMEOUT);
    }
    eventually("cat killed when the client left", () -> f.backend.last().closed && !f.backend.last().process.isAlive());
  }

  @Test
  void hundredMegabytesFlowThroughSpdyAndWebSocket() throws Exception {
    StreamOptions out = options(false, true, false, false);
    ExecResult spdy = f.client.spdyExec(f.exec(out, "head", "-c", "100000000", "/dev/zero"), out);
    assertThat(spdy.stdoutCount()).isEqualTo(100_000_000L);
    assertThat(spdy.status()).isEqualTo(SUCCESS);
    ExecResult ws = f.client.wsExec(f.exec(out, "head", "-c", "100000000", "/dev/zero"), "v5.channel.k8s.io", out);
    assertThat(ws.stdoutCount()).isEqualTo(100_000_000L);
    assertThat(ws.status()).isEqualTo(SUCCESS);
  }

  @Test
  void aClientThatStopsReadingThrottlesTheProcess() throws Exception {
    StreamOptions out = options(false, true, false, false);
    try (RemoteSession s = f.client.spdy(f.exec(out, "head", "-c", "100000000", "/dev/zero"), out,
        StreamClient.SPDY_REMOTE_COMMAND)) {
      s.stdout().awaitCount(1_000_000, StreamClient.TIMEOUT);
      s.pauseReading();
      ProcessBackend.Streamed p = f.backend.last();
      // once the socket buffers on both sides are full the process is held back: what the server
      // took from it stays within those buffers and its own high-water mark, and stops growing
      long settled = settle(p);
      long received = s.stdout().count();
      assertThat(settled - received).as("bytes taken from the process but not read by the client")
          .isLessThan(24L << 20);
      Thread.sleep(300);
      assertThat(p.produced.get()).isEqualTo(settled);
      assertThat(p.process.isAlive()).isTrue();
      s.resumeReading();
      ExecResult r = s.await(StreamClient.TIMEOUT);
      assertThat(r.stdoutCount()).isEqualTo(100_000_000L);
      assertThat(r.status()).isEqualTo(SUCCESS);
    }
  }

  /** Waits until the process's output stops being taken for half a second; returns how much was. */
  private static long settle(ProcessBackend.Streamed p) throws InterruptedException {
    long last = -1;
    long now = p.produced.get();
    long deadline = System.nanoTime() + StreamClient.TIMEOUT.toNanos();
    while (now != last && System.nanoTime() < deadline) {
      last = now;
      Thread.sleep(500);
      now = p.produced.get();
    }
    return now;
  }

  @Test
  void resizesReachTheProcessOverSpdyAndWebSocket() throws Exception {
    StreamOptions tty = options(true, true, false, true);
    try (RemoteSession s = f.client.spdy(f.exec(tty, "cat"), tty, StreamClient.SPDY_REMOTE_COMMAND)) {
      eventually("process started", () -> f.backend.started.size() == 1);
      s.resize(100, 40);
      s.resize(120, 50);
      eventually("resizes applied", () -> f.backend.last().resizes.equals(List.of("100x40", "120x50")));
      s.closeStdin();
      assertThat(s.await(StreamClient.TIMEOUT).status()).isEqualTo(SUCCESS);
    }
    try (RemoteSession s = f.client.ws(f.exec(tty, "cat"), tty, "v5.channel.k8s.io")) {
      eventually("process started", () -> f.backend.started.size() == 2);
      s.resize(81, 25);
      eventually("resize applied", () -> f.backend.last().resizes.equals(List.of("81x25")));
      s.closeStdin();
      assertThat(s.await(StreamClient.TIMEOUT).status()).isEqualTo(SUCCESS);
    }
  }

  @Test
  void aClientThatGoesAwayClosesTheProcessAndFreesItsSlot() throws Exception {
    StreamOptions out = options(false, true, false, false);
    RemoteSession s = f.client.spdy(f.exec(out, "sleep", "600"), out, StreamClient.SPDY_REMOTE_COMMAND);
    eventually("process started", () -> f.backend.started.size() == 1);
    assertThat(f.active("exec")).isEqualTo(1);
    s.disconnect();
    ProcessBackend.Streamed p = f.backend.last();
    eventually("process closed", () -> p.closed);
    assertThat(p.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    eventually("session ended", () -> f.active("exec") == 0 && f.sessions("exec", "client_gone") == 1);
  }

  @Test
  void anIdleConnectionIsClosedAtItsTimeoutAndItsProcessClosed() throws Exception {
    try (StreamingFixture idle = new StreamingFixture(
        new dev.podshim.config.StreamingConfig("127.0.0.1", 0, null, null, 8, java.time.Duration.ofMinutes(1)), null,
        100, java.time.Duration.ofMillis(800))) {
      StreamOptions out = options(false, true, false, false);
      RemoteSession s = idle.client.spdy(idle.exec(out, "sleep", "600"), out, StreamClient.SPDY_REMOTE_COMMAND);
      eventually("process started", () -> idle.backend.started.size() == 1);
      ProcessBackend.Streamed p = idle.backend.last();
      eventually("process closed by the idle timeout", () -> p.closed);
      eventually("connection closed", s::closed);
      eventually("slot freed", () -> idle.active("exec") == 0);
    }
  }

  @Test
  void attachStreamsTheContainersProcessAndEndsSuccessfully() throws Exception {
    f.backend.attachCommand = List.of("sh", "-c", "cat; exit 7");
    ExecResult r = f.client.wsExec(f.attach(ALL), "v5.channel.k8s.io", ALL, "attached\n".getBytes(UTF_8));
    assertThat(r.stdoutText()).isEqualTo("attached\n");
    // an attach reports success however the container's process ends, as kubelet's does
    assertThat(r.status()).isEqualTo(SUCCESS);
    f.backend.attachCommand = List.of("sleep", "600");
    StreamOptions out = options(false, true, false, false);
    RemoteSession s = f.client.spdy(f.attach(out), out, StreamClient.SPDY_REMOTE_COMMAND);
    eventually("attached", () -> f.backend.started.size() == 2);
    s.disconnect();
    eventually("detached", () -> f.backend.last().closed);
    eventually("session ended", () -> f.sessions("attach", "client_gone") == 1);
  }

  @Test
  void aBackendFailureIsAnInternalErrorStatus() throws Exception {
    ExecResult r = f.client.spdyExec(f.exec(OUT_ERR, "/nonexistent/program"), OUT_ERR);
    assertThat(r.status()).startsWith("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error occurred: "
        + "error executing command in container: ").contains("\"reason\":\"InternalError\"").endsWith(",\"code\":500}");
    eventually("session end", () -> f.sessions("exec", "error") == 1);
  }

  @Test
  void spdyStreamsNotOpenedInTimeEndTheSession() throws Exception {
    // asks for stdout and stderr but opens only the error stream
    try (RemoteSession s = f.client.spdy(f.exec(OUT_ERR, "true"), options(false, false, false, false),
        StreamClient.SPDY_REMOTE_COMMAND)) {
      eventually("connection closed", s::closed);
    }
    eventually("session timed out", () -> f.sessions("exec", "timeout") == 1);
    assertThat(f.backend.started).isEmpty();
  }
}
