package dev.podshim.streaming;

import dev.podshim.config.StreamingConfig;
import static java.util.Objects.requireNonNull;

import dev.podshim.container.StreamOptions;
import dev.podshim.cri.v1.AttachRequest;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.cri.v1.PortForwardRequest;
import dev.podshim.errors.CriException;
import io.micrometer.core.instrument.MeterRegistry;
import dev.podshim.transport.EventLoops;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming server of Exec, Attach and PortForward: the RPCs store their request here under
 * a single-use token and hand the client {@code http(s)://address:port/{exec,attach,portforward}/
 * <token>}; the client opens it and speaks Kubernetes' remotecommand or portforward protocol over
 * SPDY/3.1 or WebSocket, as it would to kubelet's own streaming server. Netty on epoll; every
 * blocking call into the backend runs on a virtual thread, never on the event loop.
 */
public final class StreamingServer implements StreamUrls, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingServer.class);
  /** kubelet's default: how long a client has to open the streams it asked for. */
  static final Duration STREAM_CREATION_TIMEOUT = Duration.ofSeconds(30);
  static final String HTTP_CODEC = "http";
  static final String HTTP_AGGREGATOR = "http-aggregator";
  static final AttributeKey<Session> SESSION = AttributeKey.valueOf("podshim.streaming.session");
  /**
   * kubelet's default stream idle timeout: a connection with no byte in either direction for this
   * long is closed (an exec'd command is then killed, an attach detaches), so a forgotten session
   * does not hold its slot forever.
   */
  static final Duration IDLE_TIMEOUT = Duration.ofHours(4);
  /** Requests are one GET with a few headers; anything bigger is not a streaming client. */
  private static final int MAX_REQUEST_BYTES = 64 * 1024;

  private final StreamingConfig config;
  private final TokenCache tokens;
  private final HttpEntry.Services services;
  private final EventLoopGroup loops;
  private final ChannelGroup channels = new DefaultChannelGroup("streaming", GlobalEventExecutor.INSTANCE);
  private final Duration idleTimeout;
  private volatile @Nullable Channel server;
  private volatile int port;

  /** Serves on {@code loops}, which the caller closes after {@link #close}. */
  public StreamingServer(StreamingConfig config, EventLoops loops, StreamingBackend backend, MeterRegistry registry) {
    this(config, loops, backend, registry, TokenCache.DEFAULT_CAPACITY, STREAM_CREATION_TIMEOUT, IDLE_TIMEOUT);
  }

  StreamingServer(StreamingConfig config, EventLoops loops, StreamingBackend backend, MeterRegistry registry,
      int tokenCapacity, Duration creationTimeout, Duration idleTimeout) {
    this.config = requireNonNull(config, "config");
    this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout");
    requireNonNull(backend, "backend");
    requireNonNull(registry, "registry");
    if (config.maxSessions() < 1) {
      throw new IllegalArgumentException("stream max sessions must be at least 1: " + config.maxSessions());
    }
    if (config.tokenTtl().isNegative() || config.tokenTtl().isZero()) {
      throw new IllegalArgumentException("stream token ttl must be positive: " + config.tokenTtl());
    }
    this.tokens = new TokenCache(config.tokenTtl(), tokenCapacity, System::nanoTime);
    this.services = new HttpEntry.Services(tokens, new Semaphore(config.maxSessions()), config.maxSessions(),
        new StreamingMetrics(registry), backend, creationTimeout, config.tlsCert() != null);
    this.loops = loops.group();
  }

  /** Closes a connection idle for {@link #idleTimeout}: the session ends as if the client had left. */
  @io.netty.channel.ChannelHandler.Sharable
  private static final class IdleClose extends io.netty.channel.ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object event) {
      if (event instanceof IdleStateEvent) {
        LOG.atInfo().log("streaming connection idle for its timeout; closing it");
        ctx.close();
      } else {
        ctx.fireUserEventTriggered(event);
      }
    }
  }

  private static final IdleClose IDLE_CLOSE = new IdleClose();

  /** Binds {@code address:port} (a free port for 0), with TLS when the config has a certificate. */
  public void start() throws IOException {
    SslContext tls = null;
    if (config.tlsCert() != null && config.tlsKey() != null) {
      tls = SslContextBuilder.forServer(config.tlsCert().toFile(), config.tlsKey().toFile()).build();
    }
    SslContext ssl = tls;
    ServerBootstrap bootstrap = dev.podshim.transport.Buffers.tcpServer(loops)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            channels.add(ch);
            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS))
                .addLast("idle-close", IDLE_CLOSE);
            if (ssl != null) {
              ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(HTTP_CODEC, new HttpServerCodec())
                .addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast("entry", new HttpEntry(services));
          }
        });
    try {
      Channel bound = bootstrap.bind(config.address(), config.port()).sync().channel();
      server = bound;
      port = ((InetSocketAddress) bound.localAddress()).getPort();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted binding the streaming server", e);
    } catch (RuntimeException e) {
      throw new IOException("bind streaming server to " + config.address() + ":" + config.port() + ": "
          + e.getMessage(), e);
    }
    LOG.atInfo().addKeyValue("address", config.address()).addKeyValue("port", port)
        .addKeyValue("tls", ssl != null).log("streaming server listening");
  }

  /** The bound port; valid after {@link #start()}. */
  public int port() {
    return port;
  }

  @Override
  public String baseUrl() {
    return (config.tlsCert() != null ? "https" : "http") + "://" + host() + ":" + port;
  }

  private String host() {
    return config.address().contains(":") ? "[" + config.address() + "]" : config.address();
  }

  /** Stores an Exec request under a fresh token and returns the URL the client opens. */
  @Override
  public String exec(ExecRequest request) {
    StreamOptions options = options("exec", request.getContainerId(), request.getStdin(), request.getStdout(),
        request.getStderr(), request.getTty());
    if (request.getCmdCount() == 0) {
      throw CriException.invalidArgument("exec: cmd must not be empty");
    }
    return url(SessionKind.EXEC, new StreamTarget.Exec(request.getContainerId(), request.getCmdList(), options));
  }

  /** Stores an Attach request under a fresh token and returns the URL the client opens. */
  @Override
  public String attach(AttachRequest request) {
    StreamOptions options = options("attach", request.getContainerId(), request.getStdin(), request.getStdout(),
        request.getStderr(), request.getTty());
    return url(SessionKind.ATTACH, new StreamTarget.Attach(request.getContainerId(), options));
  }

  /** Stores a PortForward request under a fresh token and returns the URL the client opens. */
  @Override
  public String portForward(PortForwardRequest request) {
    if (request.getPodSandboxId().isEmpty()) {
      throw CriException.invalidArgument("port forward: missing required pod_sandbox_id");
    }
    List<Integer> ports = new ArrayList<>();
    for (int p : request.getPortList()) {
      if (p < 1 || p > 65535) {
        throw CriException.invalidArgument("port forward: port " + p + " is not between 1 and 65535");
      }
      ports.add(p);
    }
    return url(SessionKind.PORTFORWARD, new StreamTarget.PortForward(request.getPodSandboxId(), ports));
  }

  private static StreamOptions options(String what, String containerId, boolean stdin, boolean stdout,
      boolean stderr, boolean tty) {
    if (containerId.isEmpty()) {
      throw CriException.invalidArgument(what + ": missing required container_id");
    }
    if (tty && stderr) {
      throw CriException.invalidArgument(what + ": tty and stderr cannot both be true");
    }
    if (!stdin && !stdout && !stderr) {
      throw CriException.invalidArgument(what + ": one of stdin, stdout, or stderr must be set");
    }
    return new StreamOptions(stdin, stdout, stderr, tty);
  }

  private String url(SessionKind kind, StreamTarget target) {
    if (server == null) {
      throw new CriException(CriException.Kind.UNAVAILABLE, "streaming server is not started");
    }
    return baseUrl() + "/" + kind.tag() + "/" + tokens.put(target);
  }

  /** Stops listening and ends every session: exec'ed commands are killed, attaches detach. */
  @Override
  public void close() {
    Channel s = server;
    if (s != null) {
      s.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    for (Channel ch : channels) {
      Session session = ch.attr(SESSION).get();
      if (session != null) {
        session.outcome(Outcome.CLOSED);
      }
    }
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
