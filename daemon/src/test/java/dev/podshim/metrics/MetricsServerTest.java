package dev.podshim.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.transport.EventLoops;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MetricsServerTest {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final List<MetricsServer> servers = new ArrayList<>();
  private final EventLoops loops = new EventLoops();

  @AfterEach
  void stop() {
    servers.forEach(MetricsServer::stop);
    loops.close();
    client.close();
  }

  @Test
  void twoHundredConcurrentScrapesAreAllAnsweredShareFewRendersAndLeaveLittleHeap() throws Exception {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    int textSize = fillWithHistograms(registry, 60);
    assertThat(textSize).as("scrape text, bytes").isGreaterThan(300_000);
    MetricsServer server = start(registry, MetricsServer.Limits.DEFAULT);
    long heapBefore = usedHeapAfterGc();

    List<CompletableFuture<Answer>> pending = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      CompletableFuture<Answer> answer = new CompletableFuture<>();
      pending.add(answer);
      Thread.ofVirtual().start(() -> answer.complete(Answer.of(client, get(server, "/metrics").build())));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    List<Answer> answers = pending.stream().map(CompletableFuture::join).toList();
    // the client keeps its 200 connections open: whatever the server holds per connection is still held
    long heapKept = usedHeapAfterGc() - heapBefore;

    Map<Integer, Long> byStatus = answers.stream()
        .collect(Collectors.groupingBy(Answer::status, Collectors.counting()));
    assertThat(byStatus.keySet()).as("status codes").isSubsetOf(200, 503);
    assertThat(byStatus.getOrDefault(200, 0L)).as("answered 200").isGreaterThanOrEqualTo(4);
    for (Answer a : answers) {
      if (a.status() == 200) {
        assertThat(a.length()).as("body of a 200").isEqualTo(textSize);
      } else {
        assertThat(a.text()).contains("too many concurrent scrapes");
      }
    }
    assertThat(server.renders()).as("renders for 200 scrapes").isBetween(1L, 10L);
    assertThat(heapKept).as("heap kept after 200 keep-alive scrapes, bytes").isLessThan(40L << 20);
  }

  /** Connections that send part of a request line (GET /metr) and stall hold nothing a scrape needs. */
  @Test
  void aScrapeIsAnsweredWhileAHundredConnectionsStallMidRequest() throws Exception {
    MetricsServer server = start(MetricsServer.newRegistry(), MetricsServer.Limits.DEFAULT);
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        Socket socket = new Socket("127.0.0.1", server.port());
        stalled.add(socket);
        socket.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
      }
      long begin = System.nanoTime();
      HttpResponse<byte[]> scrape = send(get(server, "/metrics")); // gives up after 10 s
      System.out.printf("scrape with 100 stalled connections: %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
      assertThat(scrape.statusCode()).isEqualTo(200);
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }
  }

  @Test
  void aRequestNotCompleteWithinTheRequestTimeoutIsClosedAndSoIsAnIdleConnection() throws Exception {
    MetricsServer server = start(MetricsServer.newRegistry(), MetricsServer.Limits.DEFAULT,
        new MetricsServer.ConnectionLimits(Duration.ofMillis(300), Duration.ofMillis(1500), 256));
    try (Socket partial = new Socket("127.0.0.1", server.port());
        Socket silent = new Socket("127.0.0.1", server.port())) {
      partial.setSoTimeout(10_000);
      silent.setSoTimeout(10_000);
      long begin = System.nanoTime();
      partial.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(partial.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - begin)).as("partial request closed").isLessThan(
          Duration.ofMillis(1400));
      assertThat(silent.getInputStream().read()).as("idle connection closed").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - begin)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
    }
  }

  @Test
  void theOldestWaitingConnectionMakesRoomForANewOne() throws Exception {
    MetricsServer server = start(MetricsServer.newRegistry(), MetricsServer.Limits.DEFAULT,
        new MetricsServer.ConnectionLimits(Duration.ofMinutes(1), Duration.ofMinutes(1), 3));
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
        stalled.add(socket);
        awaitWaiting(server, i + 1);
      }
      assertThat(send(get(server, "/metrics")).statusCode()).isEqualTo(200);
      assertThat(stalled.getFirst().getInputStream().read()).as("the oldest was closed").isEqualTo(-1);
      assertThat(server.waitingConnections()).isLessThanOrEqualTo(3);
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }
  }

  private static void awaitWaiting(MetricsServer server, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.waitingConnections() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  @Test
  void aSecondScrapeWithinTheWindowGetsTheSameBytesWithoutRendering() throws Exception {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    Counter counter = Counter.builder("podshim.test.events").register(registry);
    MetricsServer server = start(registry, limits(4, Duration.ofMinutes(1)));

    byte[] first = send(get(server, "/metrics")).body();
    counter.increment();
    byte[] second = send(get(server, "/metrics")).body();

    assertThat(second).isEqualTo(first);
    assertThat(new String(second)).contains("podshim_test_events_total 0.0");
    assertThat(server.renders()).isEqualTo(1);
  }

  @Test
  void aScrapeAfterTheWindowRendersAgain() throws Exception {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    Counter counter = Counter.builder("podshim.test.events").register(registry);
    MetricsServer server = start(registry, limits(4, Duration.ZERO));

    send(get(server, "/metrics"));
    counter.increment();
    String second = new String(send(get(server, "/metrics")).body());

    assertThat(second).contains("podshim_test_events_total 1.0");
    assertThat(server.renders()).isEqualTo(2);
  }

  @Test
  void headAnswersWithTheLengthAndNoBody() throws Exception {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    fillWithHistograms(registry, 2);
    MetricsServer server = start(registry, limits(4, Duration.ofMinutes(1)));

    HttpResponse<byte[]> head = send(get(server, "/metrics").HEAD());
    HttpResponse<byte[]> get = send(get(server, "/metrics"));

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(get.body().length);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "POST, /metrics, 405",
      "PUT, /metrics, 405",
      "DELETE, /metrics, 405",
      "OPTIONS, /metrics, 405",
      "GET, /, 404",
      "GET, /metrics/extra, 404",
      "GET, /metricsz, 404",
      "HEAD, /other, 404",
      "POST, /other, 404",
  })
  void onlyGetAndHeadOfMetricsAreServed(String method, String path, int status) throws Exception {
    MetricsServer server = start(MetricsServer.newRegistry(), MetricsServer.Limits.DEFAULT);

    HttpResponse<byte[]> response = send(get(server, path).method(method, BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(status);
    if (status == 405) {
      assertThat(response.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
    assertThat(server.renders()).isZero();
  }

  @Test
  void aScrapeThatFindsNoFreeSlotInTimeIs503() throws Exception {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    CountDownLatch rendering = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Gauge.builder("podshim.test.slow", () -> {
      rendering.countDown();
      await(release);
      return 1;
    }).register(registry);
    MetricsServer server = start(registry, new MetricsServer.Limits(1, Duration.ofMillis(200), Duration.ZERO));

    CompletableFuture<HttpResponse<byte[]>> holder = client.sendAsync(get(server, "/metrics").build(),
        BodyHandlers.ofByteArray());
    assertThat(rendering.await(10, TimeUnit.SECONDS)).as("first scrape rendering").isTrue();
    long begin = System.nanoTime();
    HttpResponse<byte[]> turnedAway = send(get(server, "/metrics"));
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    release.countDown();

    assertThat(turnedAway.statusCode()).isEqualTo(503);
    assertThat(turnedAway.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(new String(turnedAway.body())).isEqualTo("too many concurrent scrapes, retry later\n");
    assertThat(waitedMs).as("ms until the 503").isBetween(150L, 5_000L);
    HttpResponse<byte[]> held = holder.get(10, TimeUnit.SECONDS);
    assertThat(held.statusCode()).isEqualTo(200);
    assertThat(new String(held.body())).contains("podshim_test_slow 1.0");
  }

  /** What the test keeps of a response: not its body, so the heap measures the server. */
  private record Answer(int status, long length, String text) {
    /** Reads the body through, keeping its length and its first bytes. */
    static Answer of(HttpClient client, HttpRequest request) {
      try {
        HttpResponse<InputStream> response = client.send(request, BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
          byte[] head = body.readNBytes(200);
          long length = head.length + body.transferTo(OutputStream.nullOutputStream());
          return new Answer(response.statusCode(), length, new String(head, StandardCharsets.UTF_8));
        }
      } catch (Exception e) {
        return new Answer(-1, 0, e.toString());
      }
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private MetricsServer start(PrometheusMeterRegistry registry, MetricsServer.Limits limits) throws Exception {
    return start(registry, limits, MetricsServer.ConnectionLimits.DEFAULT);
  }

  private MetricsServer start(PrometheusMeterRegistry registry, MetricsServer.Limits limits,
      MetricsServer.ConnectionLimits connections) throws Exception {
    MetricsServer server = new MetricsServer("127.0.0.1:0", registry, loops.group(), limits, connections);
    servers.add(server);
    server.start();
    return server;
  }

  private static MetricsServer.Limits limits(int inFlight, Duration cacheTtl) {
    return new MetricsServer.Limits(inFlight, Duration.ofMillis(1500), cacheTtl);
  }

  private static HttpRequest.Builder get(MetricsServer server, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.build(), BodyHandlers.ofByteArray());
  }

  /** Timers with percentile histograms, as the RPC timers are: ~7 KB of text each. */
  static int fillWithHistograms(PrometheusMeterRegistry registry, int count) {
    for (int i = 0; i < count; i++) {
      Timer timer = Timer.builder("podshim.test.duration").tags("operation", "Operation" + i, "code", "OK")
          .publishPercentileHistogram().register(registry);
      timer.record(Duration.ofMillis(i + 1));
    }
    return registry.scrape().length();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
