package dev.podshim.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

/** The client side of a channel.k8s.io WebSocket, as client-go's websocket executor speaks it. */
final class WsClient extends ChannelInboundHandlerAdapter {
  private final WebSocketClientHandshaker handshaker;
  final CompletableFuture<String> handshake = new CompletableFuture<>();
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  final Received[] channels;
  /** Port forwarding: the first message on each channel is its port, not data. */
  private final boolean[] sawPortPrefix;
  private final boolean portForward;
  Channel channel;
  boolean base64;

  WsClient(WebSocketClientHandshaker handshaker, int channelCount, boolean portForward) {
    this.handshaker = handshaker;
    this.channels = new Received[channelCount];
    for (int i = 0; i < channelCount; i++) {
      channels[i] = new Received();
    }
    this.sawPortPrefix = new boolean[channelCount];
    this.portForward = portForward;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    handshaker.handshake(ctx.channel());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!handshaker.isHandshakeComplete() && msg instanceof FullHttpResponse response) {
        try {
          handshaker.finishHandshake(ctx.channel(), response);
          String chosen = handshaker.actualSubprotocol();
          base64 = chosen != null && chosen.contains("base64");
          handshake.complete(chosen == null ? "" : chosen);
        } catch (WebSocketHandshakeException e) {
          handshake.completeExceptionally(new HttpFailure(response.status().code(),
              response.content().toString(StandardCharsets.UTF_8)));
          ctx.close();
        }
        return;
      }
      switch (msg) {
        case BinaryWebSocketFrame binary -> deliver(binary.content());
        case TextWebSocketFrame text -> {
          String s = text.text();
          if (!s.isEmpty()) {
            byte[] decoded = Base64.getDecoder().decode(s.substring(1));
            ByteBuf buf = Unpooled.buffer(decoded.length + 1).writeByte(s.charAt(0) - '0').writeBytes(decoded);
            deliver(buf);
          }
        }
        case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
        case CloseWebSocketFrame close -> ctx.close();
        default -> {
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void deliver(ByteBuf content) {
    if (!content.isReadable()) {
      return;
    }
    int number = content.readUnsignedByte();
    if (number >= channels.length) {
      return;
    }
    byte[] bytes = new byte[content.readableBytes()];
    content.readBytes(bytes);
    if (portForward && !sawPortPrefix[number]) {
      sawPortPrefix[number] = true;
      if (bytes.length < 2) {
        return;
      }
      bytes = java.util.Arrays.copyOfRange(bytes, 2, bytes.length);
    }
    channels[number].add(bytes);
  }

  void send(int number, byte[] data) {
    if (base64) {
      channel.writeAndFlush(new TextWebSocketFrame((char) ('0' + number) + Base64.getEncoder().encodeToString(data)));
    } else {
      ByteBuf buf = Unpooled.buffer(data.length + 1).writeByte(number).writeBytes(data);
      channel.writeAndFlush(new BinaryWebSocketFrame(buf));
    }
  }

  /** v5's close signal. */
  void sendClose(int number) {
    channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) 255, (byte) number})));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    handshake.completeExceptionally(new IllegalStateException("connection closed during the handshake"));
    for (Received r : channels) {
      r.end();
    }
    closed.complete(null);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    handshake.completeExceptionally(cause);
    ctx.close();
  }
}
