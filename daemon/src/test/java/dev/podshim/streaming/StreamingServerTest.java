package dev.podshim.streaming;

import dev.podshim.config.StreamingConfig;
import static dev.podshim.streaming.StreamingFixture.eventually;
import static dev.podshim.streaming.StreamingFixture.options;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.container.StreamOptions;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.errors.CriException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The door: tokens, the session limit, TLS, the URLs handed out. */
class StreamingServerTest {
  static final StreamOptions OUT = options(false, true, false, false);

  @Test
  void badUsedAndWrongKindTokensAre404AndChangeNothing() throws Exception {
    try (StreamingFixture f = new StreamingFixture()) {
      String url = f.exec(OUT, "echo", "hi");
      assertThat(url).matches("http://127\\.0\\.0\\.1:" + f.server.port() + "/exec/[A-Za-z0-9_-]{22}");
      String token = url.substring(url.lastIndexOf('/') + 1);
      String base = url.substring(0, url.indexOf("/exec/"));
      assertUpgradeFails(f, base + "/exec/AAAAAAAAAAAAAAAAAAAAAA", 404);
      assertUpgradeFails(f, base + "/exec/short", 404);
      assertUpgradeFails(f, base + "/exec/" + token + "x", 404);
      assertThat(f.client.get(base + "/nothing/" + token)).isEqualTo(404);
      assertThat(f.client.get(base + "/exec/" + token + "/more")).isEqualTo(404);
      assertUpgradeFails(f, base + "/attach/" + token, 404);
      // none of that spent the token
      assertThat(f.client.spdyExec(url, OUT).stdoutText()).isEqualTo("hi\n");
      assertUpgradeFails(f, url, 404);
      assertThat(f.active("exec")).isZero();
    }
  }

  @Test
  void aPlainGetIsRefusedWithoutSpendingTheToken() throws Exception {
    try (StreamingFixture f = new StreamingFixture()) {
      String url = f.exec(OUT, "echo", "hi");
      assertThat(f.client.get(url)).isEqualTo(400);
      assertThat(f.client.spdyExec(url, OUT).stdoutText()).isEqualTo("hi\n");
    }
  }

  /**
   * Upgrades that cannot succeed are refused with a 4xx before the token is taken: a WebSocket
   * upgrade without Sec-WebSocket-Key or of a version the server does not speak, a subprotocol
   * it does not know, a SPDY upgrade naming no protocol, a port forward naming no port.
   */
  @Test
  void upgradesThatCannotSucceedAre4xxAndKeepTheToken() throws Exception {
    try (StreamingFixture f = new StreamingFixture()) {
      String url = f.exec(OUT, "echo", "hi");
      String ws = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n";
      String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
      assertThat(rawStatus(url, ws + "Sec-WebSocket-Version: 13\r\n")).as("no key").isEqualTo(400);
      assertThat(rawStatus(url, ws + key)).as("no version").isEqualTo(426);
      assertThat(rawStatus(url, ws + key + "Sec-WebSocket-Version: 12\r\n")).as("version 12").isEqualTo(426);
      assertThat(rawStatus(url, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" + key
          + "Sec-WebSocket-Protocol: v9.channel.k8s.io\r\n")).as("unknown subprotocol").isEqualTo(403);
      assertThat(rawStatus(url, "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n")).as("spdy, no protocol")
          .isEqualTo(400);
      assertThat(f.client.wsExec(url, "v5.channel.k8s.io", OUT).stdoutText()).isEqualTo("hi\n");

      String forward = f.portForward();
      assertThat(rawStatus(forward, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          + key + "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n")).as("port forward, no port").isEqualTo(400);
      try (EchoServer echo = new EchoServer();
          PortForwardSession pf = f.client.wsPortForward(forward + "?port=" + echo.port(), "v4.channel.k8s.io",
              echo.port())) {
        ForwardedConnection c = pf.openConnection(echo.port());
        c.write("kept".getBytes(UTF_8));
        c.data().awaitText("kept", StreamClient.TIMEOUT);
      }
      assertThat(f.sessions("exec", "rejected")).isZero();
    }
  }

  /** The status code of one raw HTTP/1.1 GET of {@code url} with {@code headers} (CRLF-ended lines). */
  private static int rawStatus(String url, String headers) throws java.io.IOException {
    java.net.URI uri = java.net.URI.create(url);
    try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout((int) StreamClient.TIMEOUT.toMillis());
      socket.getOutputStream().write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getAuthority() + "\r\n"
          + headers + "\r\n").getBytes(UTF_8));
      String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), UTF_8))
          .readLine();
      assertThat(statusLine).as("an HTTP answer").isNotNull().startsWith("HTTP/1.1 ");
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }

  @Test
  void anUnusedTokenExpires() throws Exception {
    StreamingConfig config = new StreamingConfig("127.0.0.1", 0, null, null, 8, Duration.ofMillis(300));
    try (StreamingFixture f = new StreamingFixture(config, null, 100)) {
      String url = f.exec(OUT, "echo", "hi");
      Thread.sleep(600);
      assertUpgradeFails(f, url, 404);
      String fresh = f.exec(OUT, "echo", "hi");
      assertThat(f.client.spdyExec(fresh, OUT).stdoutText()).isEqualTo("hi\n");
    }
  }

  /** A client holding URLs it never opens has used up its share: RESOURCE_EXHAUSTED, not a runtime that is down. */
  @Test
  void aFullTokenCacheRefusesNewUrls() throws Exception {
    try (StreamingFixture f = new StreamingFixture(StreamingConfig.defaults(), null, 3)) {
      for (int i = 0; i < 3; i++) {
        f.exec(OUT, "true");
      }
      assertThatThrownBy(() -> f.exec(OUT, "true")).isInstanceOfSatisfying(CriException.class,
          e -> assertThat(e.kind()).isEqualTo(CriException.Kind.RESOURCE_EXHAUSTED));
    }
    try (StreamingFixture f = new StreamingFixture(StreamingConfig.defaults(), null, TokenCache.DEFAULT_CAPACITY)) {
      for (int i = 0; i < TokenCache.DEFAULT_CAPACITY; i++) {
        f.exec(OUT, "true");
      }
      assertThatThrownBy(() -> f.exec(OUT, "true")).isInstanceOf(CriException.class)
          .hasMessageContaining("1000 URLs handed out and not yet used");
    }
  }

  @Test
  void requestsTheRpcHandlersShouldHaveRefusedAreInvalid() throws Exception {
    try (StreamingFixture f = new StreamingFixture()) {
      assertThatThrownBy(() -> f.server.exec(ExecRequest.newBuilder().addCmd("true").setStdout(true).build()))
          .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT));
      assertThatThrownBy(() -> f.exec(options(false, false, false, false), "true"))
          .isInstanceOf(CriException.class).hasMessageContaining("one of stdin, stdout, or stderr");
      assertThatThrownBy(() -> f.portForward(70000)).isInstanceOf(CriException.class);
    }
  }

  @Test
  void oneSessionMoreThanTheLimitIsRefusedWith429() throws Exception {
    StreamingConfig config = new StreamingConfig("127.0.0.1", 0, null, null, 1, Duration.ofMinutes(1));
    try (StreamingFixture f = new StreamingFixture(config, null, 100)) {
      RemoteSession held = f.client.spdy(f.exec(OUT, "sleep", "600"), OUT, StreamClient.SPDY_REMOTE_COMMAND);
      eventually("first session running", () -> f.backend.started.size() == 1);
      String second = f.exec(OUT, "echo", "second");
      assertUpgradeFails(f, second, 429);
      assertThatThrownBy(() -> f.client.wsExec(second, "v5.channel.k8s.io", OUT))
          .isInstanceOfSatisfying(HttpFailure.class, e -> assertThat(e.status()).isEqualTo(429));
      assertThat(f.sessions("exec", "rejected")).isEqualTo(2);
      held.disconnect();
      eventually("slot freed", () -> f.active("exec") == 0);
      // the refusals did not spend the token
      assertThat(f.client.spdyExec(second, OUT).stdoutText()).isEqualTo("second\n");
    }
  }

  @Test
  void closingTheServerEndsItsSessions() throws Exception {
    StreamingFixture f = new StreamingFixture();
    try {
      RemoteSession s = f.client.spdy(f.exec(OUT, "sleep", "600"), OUT, StreamClient.SPDY_REMOTE_COMMAND);
      eventually("running", () -> f.backend.started.size() == 1);
      f.server.close();
      eventually("client saw the close", s::closed);
      assertThat(f.backend.last().process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      eventually("session closed", () -> f.sessions("exec", "closed") == 1);
    } finally {
      f.close();
    }
  }

  @Test
  void tlsWithACertificateFromTheConfig(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
    String output = new String(openssl.getInputStream().readAllBytes(), UTF_8);
    assertThat(openssl.waitFor()).as("openssl (Debian package openssl) made a certificate: %s", output).isZero();
    assertThat(Files.size(cert)).isPositive();
    StreamingConfig config = new StreamingConfig("127.0.0.1", 0, cert, key, 8, Duration.ofMinutes(1));
    try (StreamingFixture f = new StreamingFixture(config, cert, 100)) {
      String url = f.exec(OUT, "echo", "secret");
      assertThat(url).startsWith("https://127.0.0.1:");
      assertThat(f.client.spdyExec(url, OUT).stdoutText()).isEqualTo("secret\n");
      assertThat(f.client.wsExec(f.exec(OUT, "echo", "ws"), "v5.channel.k8s.io", OUT).stdoutText()).isEqualTo("ws\n");
      try (EchoServer echo = new EchoServer();
          PortForwardSession pf = f.client.spdyPortForward(f.portForward())) {
        ForwardedConnection c = pf.openConnection(echo.port());
        c.write("tls".getBytes(UTF_8));
        c.data().awaitText("tls", StreamClient.TIMEOUT);
      }
    }
  }

  private static void assertUpgradeFails(StreamingFixture f, String url, int status) {
    assertThatThrownBy(() -> f.client.spdy(url, OUT, StreamClient.SPDY_REMOTE_COMMAND))
        .isInstanceOfSatisfying(HttpFailure.class, e -> assertThat(e.status()).isEqualTo(status));
  }
}
