package dev.podshim.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pieces without a connection: statuses, resize parsing, negotiation, the token cache. */
class ProtocolPiecesTest {
  @Test
  void statusesAreKubeletsJson() {
    assertThat(ExitStatus.succeeded().json()).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
    assertThat(ExitStatus.succeeded().text()).isNull();
    assertThat(ExitStatus.nonZeroExit(List.of("ls", "/x"), 2).json()).isEqualTo("{\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"command terminated with non-zero exit code: error executing command [ls /x], exit code 2\","
        + "\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"2\"}]}}");
    assertThat(ExitStatus.internalError("boom \"x\"").json()).isEqualTo("{\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"Internal error occurred: boom \\\"x\\\"\",\"reason\":\"InternalError\","
        + "\"details\":{\"causes\":[{\"message\":\"boom \\\"x\\\"\"}]},\"code\":500}");
  }

  @Test
  void resizeObjectsAreCutOutOfAnyFraming() {
    ResizeDecoder d = new ResizeDecoder();
    List<ResizeDecoder.Size> sizes = new ArrayList<>();
    for (String piece : List.of("{\"Width\":8", "0,\"Height\":24}\n{\"Wid", "th\":1,\"Height\":2}{\"width\":3,\"height\":4}")) {
      sizes.addAll(d.feed(Unpooled.copiedBuffer(piece, StandardCharsets.UTF_8)));
    }
    assertThat(sizes).containsExactly(new ResizeDecoder.Size(80, 24), new ResizeDecoder.Size(1, 2),
        new ResizeDecoder.Size(3, 4));
    ResizeDecoder broken = new ResizeDecoder();
    assertThat(broken.feed(Unpooled.copiedBuffer("garbage{\"Width\":1,\"Height\":1}", StandardCharsets.UTF_8))).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "v4.channel.k8s.io,v3.channel.k8s.io | v4.channel.k8s.io",
      "v9.channel.k8s.io, v3.channel.k8s.io | v3.channel.k8s.io",
      "channel.k8s.io | channel.k8s.io",
      "v5.channel.k8s.io | ",
  })
  void spdyNegotiationTakesTheClientsFirstKnownProtocol(String offered, String chosen) {
    assertThat(SpdyProtocols.negotiate(SpdyProtocols.requested(List.of(offered)), SpdyProtocols.REMOTE_COMMAND))
        .isEqualTo(chosen);
  }

  @Test
  void tokensAreSingleUseExpireAndAreBounded() {
    AtomicLong now = new AtomicLong();
    TokenCache cache = new TokenCache(Duration.ofSeconds(10), 2, now::get);
    StreamTarget target = new StreamTarget.PortForward("s", List.of());
    String a = cache.put(target);
    String b = cache.put(target);
    assertThat(a).hasSize(TokenCache.TOKEN_CHARS).isNotEqualTo(b).matches("[A-Za-z0-9_-]+");
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> cache.put(target)))
        .isInstanceOf(dev.podshim.errors.CriException.class);
    assertThat(cache.take(a, SessionKind.EXEC)).isEmpty();
    assertThat(cache.take(a, SessionKind.PORTFORWARD)).contains(target);
    assertThat(cache.take(a, SessionKind.PORTFORWARD)).isEmpty();
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(cache.take(b, SessionKind.PORTFORWARD)).isEmpty();
    assertThat(cache.size()).isZero();
    cache.put(target);
    cache.put(target);
    assertThat(cache.size()).isEqualTo(2);
  }
}
