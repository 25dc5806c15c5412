package dev.podshim.streaming;

import static dev.podshim.streaming.StreamingFixture.eventually;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** port forwarding over SPDY and WebSocket to real TCP ports on 127.0.0.1. */
class PortForwardTest {
  static final java.time.Duration T = StreamClient.TIMEOUT;

  StreamingFixture f;
  EchoServer echo;

  @BeforeEach
  void setUp() throws Exception {
    f = new StreamingFixture();
    echo = new EchoServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    f.close();
    echo.close();
  }

  @Test
  void spdyForwardsConcurrentConnectionsOnOneSession() throws Exception {
    try (PortForwardSession pf = f.client.spdyPortForward(f.portForward())) {
      ForwardedConnection a = pf.openConnection(echo.port());
      ForwardedConnection b = pf.openConnection(echo.port());
      a.write("alpha".getBytes(UTF_8));
      b.write("beta".getBytes(UTF_8));
      byte[] big = new byte[2_000_000];
      java.util.Arrays.fill(big, (byte) 'z');
      b.write(big);
      a.data().awaitText("alpha", T);
      b.data().awaitCount(4 + big.length, T);
      assertThat(a.data().text()).isEqualTo("alpha");
      assertThat(echo.accepted.get()).isEqualTo(2);
      // the client's end of input reaches the pod, which closes; that ends the forward
      a.closeWrite();
      a.data().awaitEnd(T);
      a.error().awaitEnd(T);
      assertThat(a.error().text()).isEmpty();
      // the other forward and the session go on
      b.write("more".getBytes(UTF_8));
      b.data().awaitCount(8 + big.length, T);
      ForwardedConnection c = pf.openConnection(echo.port());
      c.write("gamma".getBytes(UTF_8));
      c.data().awaitText("gamma", T);
      assertThat(pf.closed()).isFalse();
    }
    eventually("session ended", () -> f.active("portforward") == 0 && f.sessions("portforward", "success") == 1);
    assertThat(f.bytes("portforward", "in")).isEqualTo(f.bytes("portforward", "out"));
  }

  @Test
  void spdyClosedPortIsReportedOnTheErrorStream() throws Exception {
    int closed = EchoServer.closedPort();
    try (PortForwardSession pf = f.client.spdyPortForward(f.portForward())) {
      ForwardedConnection c = pf.openConnection(closed);
      c.error().awaitEnd(T);
      c.data().awaitEnd(T);
      assertThat(c.error().text()).startsWith("{\"closeConnection\":true,\"message\":\"error forwarding port "
          + closed + " to pod s1, uid : ").endsWith("}\n");
      // the session survives a failed forward
      ForwardedConnection ok = pf.openConnection(echo.port());
      ok.write("still".getBytes(UTF_8));
      ok.data().awaitText("still", T);
    }
  }

  @Test
  void spdyOnlyTheRequestsPortsWhenItNamesAny() throws Exception {
    try (PortForwardSession pf = f.client.spdyPortForward(f.portForward(echo.port()))) {
      ForwardedConnection other = pf.openConnection(echo.port() == 65535 ? 1 : echo.port() + 1);
      other.error().awaitEnd(T);
      assertThat(other.error().text()).contains("is not among the ports of this port-forward request");
      ForwardedConnection ok = pf.openConnection(echo.port());
      ok.write("yes".getBytes(UTF_8));
      ok.data().awaitText("yes", T);
    }
    assertThat(f.backend.dialled).containsExactly(echo.port());
  }

  @Test
  void webSocketForwardsThePortsOfTheUrl() throws Exception {
    int closed = EchoServer.closedPort();
    String url = f.portForward() + "?port=" + echo.port() + "&port=" + closed;
    try (PortForwardSession pf = f.client.wsPortForward(url, "v4.channel.k8s.io", echo.port(), closed)) {
      ForwardedConnection c = pf.openConnection(echo.port());
      c.write("over websocket".getBytes(UTF_8));
      c.data().awaitText("over websocket", T);
      ForwardedConnection refused = pf.openConnection(closed);
      refused.error().awaitText("error forwarding port " + closed, T);
    }
    eventually("session ended", () -> f.sessions("portforward", "success") == 1);
  }

  @Test
  void webSocketUsesTheRequestsPortsAndClosesWhenTheyAllEnd() throws Exception {
    try (PortForwardSession pf = f.client.wsPortForward(f.portForward(EchoServer.closedPort()), "v4.channel.k8s.io",
        0)) {
      // the one forward fails, so the WebSocket has nothing left and closes
      eventually("closed", pf::closed);
    }
  }
}
