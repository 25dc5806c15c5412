package dev.podshim.streaming;

import dev.podshim.container.StreamOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A streaming client for tests: speaks remotecommand and portforward over SPDY/3.1 and WebSocket
 * the way client-go does, against any streaming URL (this package's server with a fake backend,
 * or the daemon with real containers).
 *
 * <pre>{@code
 * try (StreamClient client = new StreamClient()) {
 *   ExecResult r = client.spdyExec(url, new StreamOptions(true, true, true, false), "hi\n".getBytes());
 *   assertThat(r.stdoutText()).isEqualTo("hi\n");
 *   assertThat(r.status()).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
 * }
 * }</pre>
 */
public final class StreamClient implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(60);
  public static final List<String> SPDY_REMOTE_COMMAND =
      List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io");

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final @Nullable SslContext tls;
  private final boolean strictReplies;

  /** A client for http:// URLs (and https:// ones trusting any certificate). */
  public StreamClient() {
    this(null, true);
  }

  private StreamClient(@Nullable SslContext tls, boolean strictReplies) {
    this.tls = tls;
    this.strictReplies = strictReplies;
  }

  /**
   * A client for other runtimes' streaming servers (kubelet's library, as in containerd), which
   * answer a stream with an empty header block in the encoding Go's SPDY reader expects. The default
   * client refuses any reply without headers, since the form Netty writes for one is what Go cannot
   * read, and podshim's replies must never take it.
   */
  public static StreamClient forOtherServers() {
    return new StreamClient(null, false);
  }

  /** A client for https:// URLs that trusts the PEM certificate {@code cert}. */
  public static StreamClient trusting(Path cert) throws IOException {
    return new StreamClient(SslContextBuilder.forClient().trustManager(cert.toFile()).build(), true);
  }

  /** Runs a command over SPDY (v4 preferred): sends the stdin chunks, ends stdin, waits for the end. */
  public ExecResult spdyExec(String url, StreamOptions options, byte[]... stdin) throws IOException {
    try (RemoteSession session = spdy(url, options, SPDY_REMOTE_COMMAND)) {
      return drive(session, options, stdin);
    }
  }

  /** The same over WebSocket with {@code subprotocol} (e.g. v5.channel.k8s.io). */
  public ExecResult wsExec(String url, String subprotocol, StreamOptions options, byte[]... stdin)
      throws IOException {
    try (RemoteSession session = ws(url, options, subprotocol)) {
      return drive(session, options, stdin);
    }
  }

  private static ExecResult drive(RemoteSession session, StreamOptions options, byte[]... stdin) {
    for (byte[] chunk : stdin) {
      session.stdin(chunk);
    }
    if (options.stdin()) {
      session.closeStdin();
    }
    return session.await(TIMEOUT);
  }

  /** Opens a remotecommand session over SPDY offering {@code protocols}, streams as {@code options} ask. */
  public RemoteSession spdy(String url, StreamOptions options, List<String> protocols) throws IOException {
    SpdyClient client = spdyConnect(url, protocols);
    return client.remoteCommand(options);
  }

  /** Opens a port-forward session over SPDY. */
  public PortForwardSession spdyPortForward(String url) throws IOException {
    return spdyConnect(url, List.of("portforward.k8s.io")).portForward();
  }

  /** Opens a remotecommand session over WebSocket; an empty subprotocol asks for none. */
  public RemoteSession ws(String url, StreamOptions options, String subprotocol) throws IOException {
    WsClient client = wsConnect(url, subprotocol, 5, false);
    String chosen = client.handshake.join();
    return new RemoteSession() {
      @Override
      public String protocol() {
        return chosen;
      }

      @Override
      public void stdin(byte[] data) {
        client.send(0, data);
      }

      @Override
      public void closeStdin() {
        if (chosen.equals("v5.channel.k8s.io")) {
          client.sendClose(0);
        }
      }

      @Override
      public void resize(int width, int height) {
        client.send(4, ("{\"Width\":" + width + ",\"Height\":" + height + "}").getBytes(StandardCharsets.UTF_8));
      }

      @Override
      public Received stdout() {
        return client.channels[1];
      }

      @Override
      public Received stderr() {
        return client.channels[2];
      }

      @Override
      public Received error() {
        return client.channels[3];
      }

      @Override
      public void pauseReading() {
        client.channel.config().setAutoRead(false);
      }

      @Override
      public void resumeReading() {
        client.channel.config().setAutoRead(true);
      }

      @Override
      public void disconnect() {
        client.channel.close().syncUninterruptibly();
      }

      @Override
      public ExecResult await(Duration timeout) {
        try {
          client.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          throw new IllegalStateException("the server did not close the connection", e);
        }
        return new ExecResult(stdout().bytes(), stdout().count(), stderr().bytes(), error().text(), chosen);
      }

      @Override
      public boolean closed() {
        return client.closed.isDone();
      }

      @Override
      public void close() {
        client.channel.close();
      }
    };
  }

  /** Opens a port-forward session over WebSocket; the ports are the URL's (or the request's). */
  public PortForwardSession wsPortForward(String url, String subprotocol, int... ports) throws IOException {
    WsClient client = wsConnect(url, subprotocol, 2 * ports.length, true);
    client.handshake.join();
    return new PortForwardSession() {
      @Override
      public ForwardedConnection openConnection(int port) {
        int index = -1;
        for (int i = 0; i < ports.length; i++) {
          if (ports[i] == port) {
            index = i;
          }
        }
        if (index < 0) {
          throw new IllegalArgumentException("port " + port + " is not among " + java.util.Arrays.toString(ports));
        }
        int data = 2 * index;
        return new ForwardedConnection() {
          @Override
          public int port() {
            return port;
          }

          @Override
          public void write(byte[] bytes) {
            client.send(data, bytes);
          }

          @Override
          public void closeWrite() {
            throw new UnsupportedOperationException("WebSocket channels cannot be half-closed");
          }

          @Override
          public Received data() {
            return client.channels[data];
          }

          @Override
          public Received error() {
            return client.channels[data + 1];
          }

          @Override
          public void close() {
            client.channel.close();
          }
        };
      }

      @Override
      public boolean closed() {
        return client.closed.isDone();
      }

      @Override
      public void close() {
        client.channel.close().syncUninterruptibly();
      }
    };
  }

  /** A plain GET (no upgrade): the status code the server answers. */
  public int get(String url) throws IOException {
    URI uri = URI.create(url);
    CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
    Channel ch = connect(uri, p -> p.addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
        new SimpleChannelInboundHandler<FullHttpResponse>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
            answer.complete(msg.retainedDuplicate());
          }
        }));
    ch.writeAndFlush(request(uri));
    try {
      FullHttpResponse response = answer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      int code = response.status().code();
      response.release();
      return code;
    } catch (InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("GET " + url, e);
    } finally {
      ch.close();
    }
  }

  private SpdyClient spdyConnect(String url, List<String> protocols) throws IOException {
    URI uri = URI.create(url);
    CompletableFuture<SpdyClient> upgraded = new CompletableFuture<>();
    Channel ch = connect(uri, p -> p.addLast("http", new HttpClientCodec())
        .addLast("aggregator", new HttpObjectAggregator(1 << 20))
        .addLast("upgrade", new SimpleChannelInboundHandler<FullHttpResponse>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (!response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
              upgraded.completeExceptionally(new HttpFailure(response.status().code(),
                  response.content().toString(StandardCharsets.UTF_8)));
              ctx.close();
              return;
            }
            SpdyClient client = new SpdyClient(response.headers().get("X-Stream-Protocol-Version", ""), strictReplies);
            ChannelPipeline pipeline = ctx.pipeline();
            pipeline.addAfter("http", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
            pipeline.addAfter("spdy", "spdy-client", client);
            pipeline.remove("aggregator");
            pipeline.remove(this);
            pipeline.remove("http");
            upgraded.complete(client);
          }

          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            upgraded.completeExceptionally(new IOException("connection closed before the upgrade"));
          }
        }));
    FullHttpRequest request = request(uri);
    request.headers().set(HttpHeaderNames.CONNECTION, "Upgrade").set(HttpHeaderNames.UPGRADE, "SPDY/3.1");
    protocols.forEach(p -> request.headers().add("X-Stream-Protocol-Version", p));
    ch.writeAndFlush(request);
    return await(upgraded, url);
  }

  private WsClient wsConnect(String url, String subprotocol, int channels, boolean portForward) throws IOException {
    URI uri = URI.create(url);
    URI wsUri = URI.create(url.replaceFirst("^http", "ws"));
    WsClient client = new WsClient(WebSocketClientHandshakerFactory.newHandshaker(wsUri, WebSocketVersion.V13,
        subprotocol.isEmpty() ? null : subprotocol, false, new DefaultHttpHeaders(), 1 << 20), channels, portForward);
    connect(uri, p -> p.addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), client));
    await(client.handshake, url);
    return client;
  }

  private static <T> T await(CompletableFuture<T> future, String url) throws IOException {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("open " + url, e.getCause());
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new IOException("open " + url, e);
    }
  }

  private static FullHttpRequest request(URI uri) {
    String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set(HttpHeaderNames.HOST, uri.getHost() + ":" + uri.getPort());
    return request;
  }

  private interface PipelineSetup {
    void setUp(ChannelPipeline pipeline);
  }

  private Channel connect(URI uri, PipelineSetup setup) throws IOException {
    boolean https = uri.getScheme().equals("https");
    SslContext ssl;
    try {
      ssl = https ? (tls != null ? tls : SslContextBuilder.forClient()
          .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE).build()) : null;
    } catch (IOException e) {
      throw e;
    }
    Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (ssl != null) {
              ch.pipeline().addLast(ssl.newHandler(ch.alloc(), uri.getHost(), uri.getPort()));
            }
            setup.setUp(ch.pipeline());
          }
        });
    try {
      return bootstrap.connect(uri.getHost(), uri.getPort()).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("connect " + uri, e);
    } catch (RuntimeException e) {
      throw new IOException("connect " + uri + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
