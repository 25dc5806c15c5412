package dev.podshim.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Serves the Prometheus text format at {@code /metrics} on the configured address, and stays
 * small under a crowd of scrapers: at most {@link Limits#inFlight} scrapes answered at once (the
 * others wait up to {@link Limits#slotWait} from their arrival, then get 503), and one rendered
 * text shared by every scrape of a {@link Limits#cacheTtl} window ({@link ScrapeCache}). The
 * daemon runs with a 128 MiB heap: under 200 scrapers, a render per request and a copy of the body
 * kept per connection ran it out of memory.
 *
 * <p>Connections are served by Netty event loops, so a client that sends its request slowly holds
 * no thread: with the JDK's HTTP server, whose pool threads read each request line to its end,
 * eight connections that sent {@code GET /metr} and stalled kept every scrape out. Here a request
 * must be complete within {@link ConnectionLimits#requestTimeout} of its first byte, an idle
 * connection goes after {@link ConnectionLimits#idleTimeout}, and at most {@link
 * ConnectionLimits#maxWaiting} connections wait for a request at once, the oldest closed to make
 * room ({@link RequestTimeouts}, {@link WaitingConnections}).
 */
public final class MetricsServer {
  /** A request line and headers are a few hundred bytes; anything much bigger is not a scraper. */
  private static final int MAX_REQUEST_LINE = 4096;
  private static final int MAX_HEADERS = 8192;
  private static final int MAX_REQUEST_BODY = 8192;
  private static final int BACKLOG = 128;

  /** How much scraping the endpoint does at once. */
  record Limits(int inFlight, Duration slotWait, Duration cacheTtl) {
    static final Limits DEFAULT = new Limits(4, Duration.ofMillis(1500), Duration.ofSeconds(1));

    Limits {
      if (inFlight < 1) {
        throw new IllegalArgumentException("metrics limits: need inFlight >= 1, got " + inFlight);
      }
      requireNonNull(slotWait, "slotWait");
      requireNonNull(cacheTtl, "cacheTtl");
    }
  }

  /**
   * What a connection may hold while it does not scrape. Prometheus sends each request whole and
   * keeps its connection between scrapes (15-60 s apart; an idle one closed is simply reopened).
   */
  record ConnectionLimits(Duration requestTimeout, Duration idleTimeout, int maxWaiting) {
    static final ConnectionLimits DEFAULT = new ConnectionLimits(Duration.ofSeconds(5), Duration.ofSeconds(60), 256);

    ConnectionLimits {
      requireNonNull(requestTimeout, "requestTimeout");
      requireNonNull(idleTimeout, "idleTimeout");
      if (maxWaiting < 1) {
        throw new IllegalArgumentException("metrics: maxWaiting must be positive: " + maxWaiting);
      }
    }
  }

  private final InetSocketAddress address;
  private final EventLoopGroup loops;
  private final ScrapeCache cache;
  private final ScrapeHandler.Scrapes scrapes;
  private final ConnectionLimits connectionLimits;
  private final WaitingConnections waiting;
  private final ChannelGroup channels = new DefaultChannelGroup("metrics", GlobalEventExecutor.INSTANCE);
  private volatile @Nullable Channel server;

  /** Serves on {@code loops}, which the caller closes after {@link #stop}. */
  public MetricsServer(String hostPort, PrometheusMeterRegistry registry, EventLoopGroup loops) {
    this(hostPort, registry, loops, Limits.DEFAULT, ConnectionLimits.DEFAULT);
  }

  MetricsServer(String hostPort, PrometheusMeterRegistry registry, EventLoopGroup loops, Limits limits,
      ConnectionLimits connectionLimits) {
    requireNonNull(registry, "registry");
    requireNonNull(limits, "limits");
    this.loops = requireNonNull(loops, "loops");
    this.connectionLimits = requireNonNull(connectionLimits, "connectionLimits");
    this.cache = new ScrapeCache(new Renderer(registry), limits.cacheTtl());
    this.scrapes = new ScrapeHandler.Scrapes(cache, new Semaphore(limits.inFlight()), limits.slotWait());
    this.waiting = new WaitingConnections(connectionLimits.maxWaiting());
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    this.address = new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
  }

  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(LatencyHistograms.filter());
    return registry;
  }

  public void start() throws IOException {
    ServerBootstrap bootstrap = dev.podshim.transport.Buffers.tcpServer(loops)
        .option(ChannelOption.SO_BACKLOG, BACKLOG)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            channels.add(ch);
            RequestTimeouts timeouts = new RequestTimeouts(connectionLimits, waiting);
            ch.pipeline().addLast("timeouts", timeouts)
                .addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_REQUEST_LINE).setMaxHeaderSize(MAX_HEADERS)))
                .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BODY))
                .addLast("scrape", new ScrapeHandler(scrapes, timeouts));
          }
        });
    try {
      server = bootstrap.bind(address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted binding the metrics endpoint", e);
    } catch (RuntimeException e) {
      throw new IOException("bind metrics endpoint to " + address + ": " + e.getMessage(), e);
    }
  }

  /** The bound port (useful when configured with port 0). */
  public int port() {
    Channel bound = server;
    return bound == null ? -1 : ((InetSocketAddress) bound.localAddress()).getPort();
  }

  /** Stops listening and closes every connection. */
  public void stop() {
    Channel bound = server;
    if (bound != null) {
      bound.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** How many times the scrape text was rendered (for tests). */
  long renders() {
    return cache.renders();
  }

  /** How many connections wait for a request (for tests). */
  int waitingConnections() {
    return waiting.size();
  }

  /**
   * Renders straight into bytes, in a buffer sized by the previous render: no String, no growing.
   * Called by one thread at a time ({@link ScrapeCache} renders under its lock).
   */
  private static final class Renderer implements Supplier<byte[]> {
    private final PrometheusMeterRegistry registry;
    private int lastSize = 64 * 1024;

    Renderer(PrometheusMeterRegistry registry) {
      this.registry = registry;
    }

    @Override
    public byte[] get() {
      ByteArrayOutputStream out = new ByteArrayOutputStream(lastSize + lastSize / 8);
      try {
        registry.scrape(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      lastSize = out.size();
      return out.toByteArray();
    }
  }
}
