package dev.podshim.metrics;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Prometheus text format at {@code /metrics} on the configured address, and stays
 * small under a crowd of scrapers: a fixed pool of threads, at most {@link Limits#inFlight}
 * scrapes answered at once (the others wait up to {@link Limits#slotWait} from their arrival,
 * then get 503), and one rendered text shared by every scrape of a {@link Limits#cacheTtl}
 * window ({@link ScrapeCache}). The daemon runs with a 128 MiB heap: under 200 scrapers, a
 * render per request and a copy of the body kept per connection (see {@link #WRITE_CHUNK}) ran
 * it out of memory.
 */
public final class MetricsServer {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
  private static final String PATH = "/metrics";
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final byte[] BUSY = "too many concurrent scrapes, retry later\n".getBytes(StandardCharsets.UTF_8);
  /**
   * Bytes per write of the body. The JDK server copies each write that its 8 KiB stream buffer
   * cannot take into a socket buffer of twice the write's size, and keeps that buffer for the
   * life of the keep-alive connection: one 400 KB write costs 800 KB of heap per scraper's
   * connection, for as long as the connection lives. Small writes keep it at 16 KiB.
   */
  private static final int WRITE_CHUNK = 4096;
  /** When the executor took the exchange in: a request's wait for a slot counts from there. */
  private static final ScopedValue<Long> QUEUED_AT = ScopedValue.newInstance();

  /**
   * How much the endpoint does at once. {@code threads} exceeds {@code inFlight} so that a 503,
   * a 404 or a 405 is answered while every slot is taken.
   */
  record Limits(int inFlight, int threads, Duration slotWait, Duration cacheTtl) {
    static final Limits DEFAULT = new Limits(4, 8, Duration.ofMillis(1500), Duration.ofSeconds(1));

    Limits {
      if (inFlight < 1 || threads <= inFlight) {
        throw new IllegalArgumentException("metrics limits: need 1 <= inFlight < threads, got " + inFlight
            + " and " + threads);
      }
      requireNonNull(slotWait, "slotWait");
      requireNonNull(cacheTtl, "cacheTtl");
    }
  }

  static {
    // The body goes out in small writes (WRITE_CHUNK), and with Nagle's algorithm on, a write
    // smaller than the segment size waits for the peer's delayed ACK: up to 40 ms stalls per
    // scrape on loopback, where the segment is 64 KiB. The JDK server turns Nagle off only
    // through this property, read once, when its first server is made; an explicit -D wins.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService pool;
  private final Semaphore slots;
  private final Limits limits;
  private final ScrapeCache cache;

  public MetricsServer(String hostPort, PrometheusMeterRegistry registry) throws IOException {
    this(hostPort, registry, Limits.DEFAULT);
  }

  MetricsServer(String hostPort, PrometheusMeterRegistry registry, Limits limits) throws IOException {
    requireNonNull(registry, "registry");
    this.limits = requireNonNull(limits, "limits");
    this.slots = new Semaphore(limits.inFlight());
    this.cache = new ScrapeCache(new Renderer(registry), limits.cacheTtl());
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    server = HttpServer.create(new InetSocketAddress(host, port), 128);
    server.createContext("/", this::handle);
    pool = Executors.newFixedThreadPool(limits.threads(),
        Thread.ofPlatform().name("metrics-http-", 0).daemon().factory());
    server.setExecutor(task -> {
      long queuedAt = System.nanoTime();
      pool.execute(() -> ScopedValue.where(QUEUED_AT, queuedAt).run(task));
    });
  }

  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(LatencyHistograms.filter());
    return registry;
  }

  public void start() {
    server.start();
  }

  /** The bound port (useful when configured with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  public void stop() {
    server.stop(0);
    pool.shutdownNow();
  }

  /** How many times the scrape text was rendered (for tests). */
  long renders() {
    return cache.renders();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals(PATH)) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      long waitNanos = limits.slotWait().toNanos() - (System.nanoTime() - QUEUED_AT.orElse(System.nanoTime()));
      if (!slots.tryAcquire(Math.max(0, waitNanos), TimeUnit.NANOSECONDS)) {
        busy(exchange);
        return;
      }
      try {
        scrape(exchange, method.equals("HEAD"));
      } finally {
        slots.release();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void scrape(HttpExchange exchange, boolean head) throws IOException {
    byte[] body;
    try {
      body = cache.body();
    } catch (RuntimeException e) {
      LOG.atWarn().setCause(e).log("metrics scrape failed");
      exchange.sendResponseHeaders(500, -1);
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
    if (head) {
      // the JDK server sends no body for HEAD; the length has to be set by hand
      exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      for (int off = 0; off < body.length; off += WRITE_CHUNK) {
        out.write(body, off, Math.min(WRITE_CHUNK, body.length - off));
      }
    }
  }

  private static void busy(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.getResponseHeaders().set("Retry-After", "1");
    exchange.sendResponseHeaders(503, BUSY.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(BUSY);
    }
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
