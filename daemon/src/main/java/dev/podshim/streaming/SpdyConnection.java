package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.handler.codec.spdy.SpdyHeadersFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of a SPDY/3.1 connection after the HTTP upgrade, as spdystream speaks it: the
 * client opens every stream (odd ids), the server answers each with an empty SYN_REPLY, data
 * flows both ways, FIN half-closes, RST_STREAM ends a stream, pings are echoed, GOAWAY ends the
 * connection. Frames are Netty's SPDY codec; what the streams mean is the {@link Listener}'s
 * (remotecommand or portforward). Stream windows are not enforced, see {@link Outbound}.
 */
final class SpdyConnection extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(SpdyConnection.class);
  /** Output is cut into DATA frames of at most this much: small enough to interleave streams. */
  static final int MAX_FRAME = 32 * 1024;
  /** The stream type header, as spdystream writes header names: lower case. */
  static final String STREAM_TYPE = "streamtype";

  /** The protocol over the streams; every call comes on the event loop. */
  interface Listener {
    void opened(SpdyConnection connection);

    /** A new stream: the listener replies (accepts) or resets (refuses) it. */
    void streamOpened(int streamId, SpdyHeaders headers, boolean clientDone);

    /** Data from the client on a stream; {@code data} is released after the call. */
    void data(int streamId, ByteBuf data, boolean last);

    void reset(int streamId);

    void closed();
  }

  private final Listener listener;
  private final Session session;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Channel channel;
  private final Outbound outbound;
  private final ReadThrottle throttle;
  private int lastStreamId;

  SpdyConnection(Listener listener, Session session, Channel channel, ReadThrottle throttle) {
    this.listener = requireNonNull(listener, "listener");
    this.session = requireNonNull(session, "session");
    this.channel = requireNonNull(channel, "channel");
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

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    listener.opened(this);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (msg) {
        case SpdySynStreamFrame syn -> {
          lastStreamId = Math.max(lastStreamId, syn.streamId());
          if (closing.get()) {
            reset(syn.streamId(), SpdyStreamStatus.REFUSED_STREAM);
          } else {
            listener.streamOpened(syn.streamId(), syn.headers(), syn.isLast());
          }
        }
        case SpdyDataFrame data -> listener.data(data.streamId(), data.content(), data.isLast());
        case SpdyRstStreamFrame rst -> listener.reset(rst.streamId());
        case SpdyHeadersFrame headers -> {
          if (headers.isLast()) {
            listener.data(headers.streamId(), Unpooled.EMPTY_BUFFER, true);
          }
        }
        case SpdyPingFrame ping -> {
          // only pings the client started (odd ids) are answered; ours would come back even
          if ((ping.id() & 1) == 1) {
            ctx.writeAndFlush(new DefaultSpdyPingFrame(ping.id()));
          }
        }
        case SpdyGoAwayFrame goAway -> close();
        default -> {
          // SETTINGS, WINDOW_UPDATE: flow control is TCP's here (see Outbound)
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
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
    LOG.atDebug().setCause(cause).log("spdy connection failed");
    ctx.close();
  }

  /**
   * Accepts a stream, naming its type back. The header is not for the client (spdystream
   * ignores reply headers) but for its framer: Netty encodes no headers as an empty header
   * block, and Go's framer cannot read one (its zlib reader meets end of input at once), which
   * would end the connection at the first reply. Any thread.
   */
  void reply(int streamId, String streamType) {
    DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(streamId);
    reply.headers().set(STREAM_TYPE, streamType.isEmpty() ? "unknown" : streamType);
    channel.writeAndFlush(reply);
  }


  /** Ends both directions of a stream. Any thread. */
  void reset(int streamId, SpdyStreamStatus status) {
    if (streamId != 0) {
      channel.writeAndFlush(new DefaultSpdyRstStreamFrame(streamId, status));
    }
  }

  /** Writes output to a stream, blocking while the client does not read. Never on the event loop. */
  void write(int streamId, byte[] data, int offset, int length) throws IOException {
    int end = offset + length;
    for (int at = offset; at < end; at += MAX_FRAME) {
      int n = Math.min(MAX_FRAME, end - at);
      outbound.write(new DefaultSpdyDataFrame(streamId, Unpooled.copiedBuffer(data, at, n)));
      session.bytesOut(n);
    }
  }

  /** Writes a short message (an error, a status) without waiting for room. Any thread. */
  void writeNow(int streamId, String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    channel.writeAndFlush(new DefaultSpdyDataFrame(streamId, Unpooled.wrappedBuffer(bytes)));
    session.bytesOut(bytes.length);
  }

  /** Half-closes a stream from our side (FIN). Any thread. */
  void finish(int streamId) {
    if (streamId != 0) {
      DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(streamId);
      fin.setLast(true);
      channel.writeAndFlush(fin);
    }
  }

  /**
   * Ends the connection: GOAWAY, then close once it is written. Reading goes on until then so
   * nothing the client sent is left unread, which would make the kernel reset the connection
   * and could lose output the client has not read yet. Any thread; idempotent.
   */
  void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    throttle.release();
    channel.eventLoop().execute(() -> channel.writeAndFlush(new DefaultSpdyGoAwayFrame(lastStreamId))
        .addListener(ChannelFutureListener.CLOSE));
  }
}
