package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel.k8s.io WebSocket connection, as k8s.io/apimachinery's wsstream.Conn speaks it: every
 * message starts with its channel number, a byte in the binary protocols, a digit character in
 * the base64 ones (whose payload is base64). In v5 a message {@code [255, n]} closes channel n
 * from the client's side (stdin's end of file). What the channels mean is the {@link Listener}'s.
 */
final class WsConnection extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(WsConnection.class);
  /** The remotecommand v5 close signal. */
  private static final int STREAM_CLOSE = 255;

  /** Every call comes on the event loop. */
  interface Listener {
    void opened(WsConnection connection);

    /** A message for {@code channel}; {@code data} is released after the call. */
    void message(int channel, ByteBuf data);

    /** v5: the client closed {@code channel}. */
    void channelClosed(int channel);

    void closed();
  }

  private final Listener listener;
  private final Session session;
  private final boolean base64;
  private final boolean closeSignal;
  private final Channel channel;
  private final Outbound outbound;
  private final ReadThrottle throttle;
  private final AtomicBoolean closing = new AtomicBoolean();

  WsConnection(Listener listener, Session session, Channel channel, ReadThrottle throttle, boolean base64,
      boolean closeSignal) {
    this.listener = requireNonNull(listener, "listener");
    this.session = requireNonNull(session, "session");
    this.channel = requireNonNull(channel, "channel");
    this.base64 = base64;
    this.closeSignal = closeSignal;
    this.outbound = new Outbound(channel);
    this.throttle = requireNonNull(throttle, "throttle");
  }

  Channel channel() {
    return channel;
  }

  ReadThrottle throttle() {
    return throttle;
  }

  Session session() {
    return session;
  }

  /** The handshake's answer is on the wire: the listener may write. */
  void handshakeDone() {
    listener.opened(this);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (msg) {
        case BinaryWebSocketFrame binary -> binary(ctx, binary.content());
        case TextWebSocketFrame text -> text(ctx, text.text());
        case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
        case CloseWebSocketFrame close -> close();
        default -> {
          // pongs, and nothing else reaches here past the aggregator
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void binary(ChannelHandlerContext ctx, ByteBuf content) {
    if (!content.isReadable()) {
      return;
    }
    int number = content.readUnsignedByte();
    if (closeSignal && number == STREAM_CLOSE) {
      if (content.readableBytes() != 1) {
        LOG.atDebug().log("close signal without exactly one channel byte; closing");
        close();
        return;
      }
      listener.channelClosed(content.readUnsignedByte());
      return;
    }
    listener.message(number, content);
  }

  private void text(ChannelHandlerContext ctx, String text) {
    if (!base64 || text.isEmpty()) {
      return;
    }
    int number = text.charAt(0) - '0';
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(text.substring(1));
    } catch (IllegalArgumentException e) {
      LOG.atDebug().log("message not in base64; ignored");
      return;
    }
    listener.message(number, Unpooled.wrappedBuffer(decoded));
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    outbound.wake();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    outbound.wake();
    try {
      listener.closed();
    } finally {
      session.ended();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.atDebug().setCause(cause).log("websocket connection failed");
    ctx.close();
  }

  private WebSocketFrame frame(int number, byte[] data, int offset, int length) {
    if (base64) {
      return new TextWebSocketFrame((char) ('0' + number)
          + Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(data, offset, offset + length)));
    }
    ByteBuf buf = Unpooled.buffer(length + 1);
    buf.writeByte(number);
    buf.writeBytes(data, offset, length);
    return new BinaryWebSocketFrame(buf);
  }

  /** Writes to a channel, blocking while the client does not read. Never on the event loop. */
  void write(int number, byte[] data, int offset, int length) throws IOException {
    int end = offset + length;
    for (int at = offset; at < end; at += SpdyConnection.MAX_FRAME) {
      int n = Math.min(SpdyConnection.MAX_FRAME, end - at);
      outbound.write(frame(number, data, at, n));
      session.bytesOut(n);
    }
  }

  /** Writes a short message without waiting for room; an empty one is the "connected" signal. Any thread. */
  void writeNow(int number, byte[] data) {
    channel.writeAndFlush(frame(number, data, 0, data.length));
    session.bytesOut(data.length);
  }

  void writeNow(int number, String message) {
    writeNow(number, message.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends a normal close and closes once it is written. Any thread; idempotent. */
  void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    throttle.release();
    channel.eventLoop().execute(() -> channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
        .addListener(ChannelFutureListener.CLOSE));
  }
}
