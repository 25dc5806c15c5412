package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door of every connection: reads the one HTTP request, checks the path and token, takes a
 * session slot, negotiates the protocol and upgrades the connection to SPDY or WebSocket, then
 * steps aside. Every refusal is a plain HTTP answer and a closed connection; a bad, used or
 * expired token is a 404 that changes nothing, and the token is taken only once the upgrade is
 * known to be possible ({@link UpgradeCheck}).
 */
final class HttpEntry extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEntry.class);
  /** A connection that sends no request within this long is closed: it would hold an fd for nothing. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** Largest WebSocket message taken from a client; client-go sends stdin in 32 KiB pieces. */
  private static final int MAX_WS_MESSAGE = 1 << 20;
  static final String HEADER_PROTOCOL = "X-Stream-Protocol-Version";
  static final String HEADER_ACCEPTED = "X-Accepted-Stream-Protocol-Versions";

  /** What the door needs of the server. */
  record Services(TokenCache tokens, Semaphore slots, int maxSessions, StreamingMetrics metrics,
      StreamingBackend backend, Duration creationTimeout, boolean tls) {
    Services {
      requireNonNull(tokens, "tokens");
      requireNonNull(slots, "slots");
      requireNonNull(metrics, "metrics");
      requireNonNull(backend, "backend");
      requireNonNull(creationTimeout, "creationTimeout");
    }
  }

  private final Services services;
  private boolean requested;

  HttpEntry(Services services) {
    this.services = requireNonNull(services, "services");
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.executor().schedule(() -> {
      if (!requested && ctx.pipeline().context(this) != null) {
        ctx.close();
      }
    }, REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    requested = true;
    if (!request.decoderResult().isSuccess()) {
      refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request");
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String[] parts = uri.path().split("/", -1);
    SessionKind kind = parts.length == 3 && parts[0].isEmpty() ? kind(parts[1]) : null;
    if (kind == null) {
      refuse(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
      return;
    }
    if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.POST)) {
      refuse(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and POST upgrade a streaming connection");
      return;
    }
    boolean upgrade = request.headers().getAll(HttpHeaderNames.CONNECTION).stream()
        .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("upgrade"));
    String upgradeTo = request.headers().get(HttpHeaderNames.UPGRADE, "").toLowerCase(Locale.ROOT);
    boolean websocket = upgrade && upgradeTo.equals("websocket");
    boolean spdy = upgrade && upgradeTo.contains("spdy/3.1");
    if (!websocket && !spdy) {
      refuse(ctx, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: missing upgrade headers in request");
      return;
    }
    String token = parts[2];
    Optional<StreamTarget> peeked = services.tokens().peek(token, kind);
    if (peeked.isEmpty()) {
      refuse(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
      return;
    }
    UpgradeCheck.Verdict verdict = spdy ? UpgradeCheck.spdy(request, peeked.get())
        : UpgradeCheck.webSocket(request, uri, peeked.get());
    if (!(verdict instanceof UpgradeCheck.Accepted accepted)) {
      ctx.writeAndFlush(((UpgradeCheck.Refused) verdict).response()).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (!services.slots().tryAcquire()) {
      services.metrics().rejected(kind);
      LOG.atInfo().addKeyValue("kind", kind.tag()).addKeyValue("max_sessions", services.maxSessions())
          .log("streaming session refused: too many at once");
      FullHttpResponse busy = response(HttpResponseStatus.TOO_MANY_REQUESTS, "too many streaming sessions ("
          + services.maxSessions() + " in progress); try again later");
      busy.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
      ctx.writeAndFlush(busy).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    Runnable release = once(services.slots()::release);
    Optional<StreamTarget> target = services.tokens().take(token, kind);
    if (target.isEmpty()) {
      release.run(); // another connection took it meanwhile
      refuse(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
      return;
    }
    try {
      if (spdy) {
        upgradeSpdy(ctx, target.get(), accepted.protocol(), release);
      } else {
        upgradeWebSocket(ctx, request, target.get(), accepted, release);
      }
    } catch (RuntimeException e) {
      release.run();
      LOG.atWarn().setCause(e).addKeyValue("kind", kind.tag()).log("streaming upgrade failed");
      refuse(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "upgrade failed");
    }
  }

  private void upgradeSpdy(ChannelHandlerContext ctx, StreamTarget target, String chosen, Runnable release) {
    Channel channel = ctx.channel();
    ReadThrottle throttle = new ReadThrottle(channel);
    Session session = new Session(target, "spdy/" + chosen, services.metrics(), release);
    channel.attr(StreamingServer.SESSION).set(session);
    SpdyConnection.Listener listener = switch (target) {
      case StreamTarget.PortForward pf -> new SpdyPortForward(services.backend(), pf, services.creationTimeout());
      default -> new SpdyRemoteCommand(new RemoteCommand(services.backend(), session, throttle), chosen,
          services.creationTimeout());
    };
    SpdyConnection connection = new SpdyConnection(listener, session, channel, throttle);

    FullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.SWITCHING_PROTOCOLS);
    switching.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
        .set(HttpHeaderNames.UPGRADE, "SPDY/3.1")
        .set(HEADER_PROTOCOL, chosen);
    ctx.writeAndFlush(switching);
    // the SPDY codec goes right after the HTTP codec, which is removed last, so whatever bytes
    // it already holds past the request flow into the SPDY codec
    ChannelPipeline pipeline = ctx.pipeline();
    pipeline.addAfter(StreamingServer.HTTP_CODEC, "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    pipeline.addAfter("spdy", "spdy-connection", connection);
    pipeline.remove(StreamingServer.HTTP_AGGREGATOR);
    pipeline.remove(this);
    pipeline.remove(StreamingServer.HTTP_CODEC);
  }

  private void upgradeWebSocket(ChannelHandlerContext ctx, FullHttpRequest request, StreamTarget target,
      UpgradeCheck.Accepted accepted, Runnable release) {
    String chosen = accepted.protocol();
    String location = (services.tls() ? "wss://" : "ws://") + request.headers().get(HttpHeaderNames.HOST, "")
        + request.uri();
    WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location,
        chosen.isEmpty() ? null : chosen, false, MAX_WS_MESSAGE).newHandshaker(request);
    if (handshaker == null) {
      throw new IllegalStateException("no handshaker for WebSocket version "
          + request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION));
    }
    Channel channel = ctx.channel();
    ReadThrottle throttle = new ReadThrottle(channel);
    String name = chosen.isEmpty() ? "(none)" : chosen;
    Session session = new Session(target, "websocket/" + name, services.metrics(), release);
    channel.attr(StreamingServer.SESSION).set(session);
    WsConnection.Listener listener = switch (target) {
      case StreamTarget.PortForward pf -> new WsPortForward(services.backend(), pf, accepted.ports());
      default -> new WsRemoteCommand(new RemoteCommand(services.backend(), session, throttle), chosen);
    };
    WsConnection connection = new WsConnection(listener, session, channel, throttle, WsProtocols.base64(chosen),
        WsProtocols.closeSignal(chosen));
    ChannelFuture handshake = handshaker.handshake(channel, request);
    ChannelPipeline pipeline = ctx.pipeline();
    pipeline.addLast("ws-aggregator", new WebSocketFrameAggregator(MAX_WS_MESSAGE));
    pipeline.addLast("ws-connection", connection);
    pipeline.remove(this);
    handshake.addListener(f -> {
      if (f.isSuccess()) {
        connection.handshakeDone();
      } else {
        channel.close();
      }
    });
  }

  private static @Nullable SessionKind kind(String segment) {
    return switch (segment) {
      case "exec" -> SessionKind.EXEC;
      case "attach" -> SessionKind.ATTACH;
      case "portforward" -> SessionKind.PORTFORWARD;
      default -> null;
    };
  }

  private static Runnable once(Runnable r) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        r.run();
      }
    };
  }

  static FullHttpResponse response(HttpResponseStatus status, String message) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return response;
  }

  private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
    ctx.writeAndFlush(response(status, message)).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.atDebug().setCause(cause).log("streaming connection failed before its upgrade");
    ctx.close();
  }
}
