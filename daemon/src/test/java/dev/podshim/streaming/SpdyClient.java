package dev.podshim.streaming;

import dev.podshim.container.StreamOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of SPDY as spdystream (client-go, kubectl) speaks it: odd stream ids, waits
 * for each SYN_REPLY, FIN to half-close, and never a WINDOW_UPDATE — so a server that waited for
 * SPDY windows would stall here exactly as it would with kubectl.
 */
final class SpdyClient extends ChannelInboundHandlerAdapter {
  private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

  final class Stream {
    final int id;
    final CompletableFuture<Void> replied = new CompletableFuture<>();
    final Received received = new Received();
    volatile boolean reset;

    Stream(int id) {
      this.id = id;
    }

    void write(byte[] data) {
      channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(data.clone())));
    }

    void finish() {
      DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(id);
      fin.setLast(true);
      channel.writeAndFlush(fin);
    }

    void cancel() {
      channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.CANCEL));
    }
  }

  private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  final String protocol;
  private final boolean strictReplies;
  Channel channel;

  SpdyClient(String protocol, boolean strictReplies) {
    this.protocol = protocol;
    this.strictReplies = strictReplies;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  /** Opens a stream with {@code headers} and waits for the server to accept it. */
  Stream open(Map<String, String> headers) {
    Stream stream = new Stream(nextId.getAndAdd(2));
    streams.put(stream.id, stream);
    DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(stream.id, 0, (byte) 0);
    headers.forEach((k, v) -> syn.headers().set(k.toLowerCase(java.util.Locale.ROOT), v));
    channel.writeAndFlush(syn);
    try {
      stream.replied.get(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("stream " + headers + " not accepted", e);
    }
    return stream;
  }

  /** Opens a stream without waiting for the reply. */
  Stream openNoWait(Map<String, String> headers) {
    Stream stream = new Stream(nextId.getAndAdd(2));
    streams.put(stream.id, stream);
    DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(stream.id, 0, (byte) 0);
    headers.forEach((k, v) -> syn.headers().set(k.toLowerCase(java.util.Locale.ROOT), v));
    channel.writeAndFlush(syn);
    return stream;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (msg) {
        case SpdySynReplyFrame reply -> {
          Stream s = streams.get(reply.streamId());
          if (s != null && strictReplies && reply.headers().isEmpty()) {
            // spdystream's framer fails on a SYN_REPLY whose header block is empty
            s.replied.completeExceptionally(new IllegalStateException("SYN_REPLY without headers"));
            ctx.close();
          } else if (s != null) {
            s.replied.complete(null);
          }
        }
        case SpdyDataFrame data -> {
          Stream s = streams.get(data.streamId());
          if (s != null) {
            ByteBuf content = data.content();
            if (content.isReadable()) {
              byte[] bytes = new byte[content.readableBytes()];
              content.readBytes(bytes);
              s.received.add(bytes);
            }
            if (data.isLast()) {
              s.received.end();
            }
          }
        }
        case SpdyRstStreamFrame rst -> {
          Stream s = streams.get(rst.streamId());
          if (s != null) {
            s.reset = true;
            s.replied.completeExceptionally(new IllegalStateException("stream reset: " + rst.status()));
            s.received.end();
          }
        }
        case SpdyPingFrame ping -> {
          if ((ping.id() & 1) == 0) {
            ctx.writeAndFlush(new DefaultSpdyPingFrame(ping.id()));
          }
        }
        default -> {
          // GOAWAY: the server closes right after
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (Stream s : streams.values()) {
      s.replied.completeExceptionally(new IllegalStateException("connection closed"));
      s.received.end();
    }
    closed.complete(null);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** remotecommand: the streams client-go opens, in its order: error, stdin, stdout, stderr, resize. */
  RemoteSession remoteCommand(StreamOptions options) {
    Stream error = open(Map.of("streamType", "error"));
    Stream stdin = options.stdin() ? open(Map.of("streamType", "stdin")) : null;
    Stream stdout = options.stdout() ? open(Map.of("streamType", "stdout")) : null;
    Stream stderr = options.stderr() ? open(Map.of("streamType", "stderr")) : null;
    boolean resizes = options.tty() && !protocol.equals("v2.channel.k8s.io") && !protocol.equals("channel.k8s.io");
    Stream resize = resizes ? open(Map.of("streamType", "resize")) : null;
    Received none = new Received();
    none.end();
    return new RemoteSession() {
      @Override
      public String protocol() {
        return protocol;
      }

      @Override
      public void stdin(byte[] data) {
        if (stdin != null) {
          stdin.write(data);
        }
      }

      @Override
      public void closeStdin() {
        if (stdin != null) {
          stdin.finish();
        }
      }

      @Override
      public void resize(int width, int height) {
        if (resize != null) {
          resize.write(("{\"Width\":" + width + ",\"Height\":" + height + "}\n").getBytes(StandardCharsets.UTF_8));
        }
      }

      @Override
      public Received stdout() {
        return stdout == null ? none : stdout.received;
      }

      @Override
      public Received stderr() {
        return stderr == null ? none : stderr.received;
      }

      @Override
      public Received error() {
        return error.received;
      }

      @Override
      public void pauseReading() {
        channel.config().setAutoRead(false);
      }

      @Override
      public void resumeReading() {
        channel.config().setAutoRead(true);
      }

      @Override
      public void disconnect() {
        channel.close().syncUninterruptibly();
      }

      @Override
      public ExecResult await(Duration timeout) {
        error.received.awaitEnd(timeout);
        stdout().awaitEnd(timeout);
        stderr().awaitEnd(timeout);
        try {
          closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          throw new IllegalStateException("the server did not close the connection", e);
        }
        return new ExecResult(stdout().bytes(), stdout().count(), stderr().bytes(), error.received.text(), protocol);
      }

      @Override
      public boolean closed() {
        return closed.isDone();
      }

      @Override
      public void close() {
        channel.close();
      }
    };
  }

  /** portforward: per connection an error stream (which the client half-closes at once, as client-go does) and a data stream. */
  PortForwardSession portForward() {
    AtomicInteger requestIds = new AtomicInteger();
    return new PortForwardSession() {
      @Override
      public ForwardedConnection openConnection(int port) {
        String requestId = Integer.toString(requestIds.getAndIncrement());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("streamType", "error");
        headers.put("port", Integer.toString(port));
        headers.put("requestID", requestId);
        Stream error = open(headers);
        error.finish();
        headers.put("streamType", "data");
        Stream data = open(headers);
        return new ForwardedConnection() {
          @Override
          public int port() {
            return port;
          }

          @Override
          public void write(byte[] bytes) {
            data.write(bytes);
          }

          @Override
          public void closeWrite() {
            data.finish();
          }

          @Override
          public Received data() {
            return data.received;
          }

          @Override
          public Received error() {
            return error.received;
          }

          @Override
          public void close() {
            data.cancel();
          }
        };
      }

      @Override
      public boolean closed() {
        return closed.isDone();
      }

      @Override
      public void close() {
        channel.close().syncUninterruptibly();
      }
    };
  }
}
