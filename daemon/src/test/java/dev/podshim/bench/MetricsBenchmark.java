package dev.podshim.bench;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.podshim.cri.v1.ImageServiceGrpc;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.Pods;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The metrics endpoint under a crowd: a real podshimd process (the production JVM flags when
 * {@code bench.jvmOpts} carries them), its registry filled the way a working daemon's is — a few
 * pods run and removed, then every unary CRI method called with an empty request and with ids
 * naming nothing, so each (operation, code) it answers has its latency histogram — then {@code bench.scrapers} concurrent clients each scraping
 * {@code bench.scrapeRounds} times back to back. Run by {@code scripts/bench.sh}; writes
 * {@code daemon/target/bench/metrics-report.md}. Tag "bench": it measures, it asserts nothing.
 */
@Tag("bench")
class MetricsBenchmark {
  private static final int SCRAPERS = Integer.getInteger("bench.scrapers", 200);
  private static final int ROUNDS = Integer.getInteger("bench.scrapeRounds", 10);
  private static final int SEQUENTIAL = 50;

  /** One answer (or failure) as a scraper saw it. */
  private record Sample(int status, long nanos, long bytes) {}

  @Test
  void measure() throws Exception {
    Prctl.setChildSubreaper();
    Path root = Files.createTempDirectory("podshim-bench-metrics");
    List<String> report = new ArrayList<>();
    report.add("# podshim metrics endpoint under load, " + Instant.now());
    report.add("");
    report.add("JVM flags: `" + System.getProperty("bench.jvmOpts", "") + "`; "
        + Runtime.getRuntime().availableProcessors() + " cores; " + SCRAPERS + " concurrent scrapers × " + ROUNDS
        + " scrapes each, HTTP/1.1 keep-alive, java.net.http.HttpClient in the test JVM.");
    try (DaemonProcess daemon = new DaemonProcess(root);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build()) {
      daemon.start();
      int calls = podLifecycles(daemon, 3)
          + fillRegistry(daemon.runtime.getChannel(), RuntimeServiceGrpc.getServiceDescriptor())
          + fillRegistry(daemon.images.getChannel(), ImageServiceGrpc.getServiceDescriptor());
      URI uri = URI.create("http://127.0.0.1:" + daemon.metricsPort + "/metrics");
      String text = text(client, uri);
      long series = text.lines().filter(l -> l.startsWith("podshim_rpc_duration_seconds_count")).count();
      report.add("Registry: " + calls + " CRI calls made beforehand, " + series
          + " (operation, code) RPC histograms; scrape text " + text.length() / 1024 + " KiB.");
      GcTotals gcBefore = GcTotals.of(text);
      long gcWindowStart = System.nanoTime();
      long rssBefore = SandboxBenchmark.rssKb(daemon.pid());

      List<Sample> alone = new ArrayList<>();
      for (int i = 0; i < SEQUENTIAL; i++) {
        alone.add(scrape(client, uri));
        Thread.sleep(20);
      }

      ConcurrentLinkedQueue<Sample> crowd = new ConcurrentLinkedQueue<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> scrapers = new ArrayList<>();
      for (int s = 0; s < SCRAPERS; s++) {
        scrapers.add(Thread.ofVirtual().start(() -> {
          awaitQuietly(go);
          for (int r = 0; r < ROUNDS; r++) {
            crowd.add(scrape(client, uri));
          }
        }));
      }
      long begin = System.nanoTime();
      go.countDown();
      for (Thread t : scrapers) {
        t.join();
      }
      long wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
      Sample after = scrape(client, uri);
      long rssAfter = SandboxBenchmark.rssKb(daemon.pid());
      String textAfter = text(client, uri);
      long gcWindowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gcWindowStart);
      GcTotals gcAfter = GcTotals.of(textAfter);
      long ooms = daemon.log().lines().filter(l -> l.contains("OutOfMemoryError")).count();

      report.add("");
      report.add("| scrapes | answers | p50 ms | p90 ms | p99 ms | max ms |");
      report.add("|---|---|---|---|---|---|");
      row(report, "one at a time (" + SEQUENTIAL + ")", alone);
      row(report, SCRAPERS + " concurrent, all", new ArrayList<>(crowd));
      row(report, SCRAPERS + " concurrent, 200 only", crowd.stream().filter(x -> x.status() == 200).toList());
      row(report, SCRAPERS + " concurrent, 503 only", crowd.stream().filter(x -> x.status() == 503).toList());
      report.add("");
      report.add("| under load | value |");
      report.add("|---|---|");
      report.add("| wall time for " + crowd.size() + " scrapes | " + wallMs + " ms |");
      report.add("| failed (no HTTP answer, incl. 30 s timeout) | " + crowd.stream().filter(x -> x.status() < 0).count()
          + " |");
      report.add("| short bodies among 200s | " + crowd.stream()
          .filter(x -> x.status() == 200 && x.bytes() < text.length() / 2).count() + " |");
      report.add("| a scrape right after the crowd | " + statusName(after.status()) + " in "
          + String.format("%.1f", after.nanos() / 1e6) + " ms |");
      report.add("| OutOfMemoryError lines in the daemon log | " + ooms + " |");
      report.add("| daemon alive afterwards | " + isAlive(daemon) + " |");
      report.add("| daemon GC pauses over the " + gcWindowMs + " ms from the first scrape to the last | "
          + (textAfter.isEmpty() ? "unknown (no answer)" : (gcAfter.count() - gcBefore.count()) + ", "
          + String.format("%.0f", (gcAfter.seconds() - gcBefore.seconds()) * 1000) + " ms in total") + " |");
      report.add("| daemon RSS before / after | " + rssBefore / 1024 + " / " + rssAfter / 1024 + " MiB |");
      daemon.terminate();
    } finally {
      Children.reapExited();
      dev.podshim.store.SandboxStore.deleteTree(root);
    }
    BenchReport.write("metrics-report.md", report);
  }

  /** Pods on the pod network, run, looked at, stopped and removed: the OK side of the lifecycle RPCs. */
  private static int podLifecycles(DaemonProcess daemon, int pods) {
    for (int i = 0; i < pods; i++) {
      String id = daemon.runtime.runPodSandbox(Pods.run(Pods.config("metrics-" + i))).getPodSandboxId();
      daemon.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build());
      daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
      daemon.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
    return 5 * pods;
  }

  /**
   * Calls every unary method twice: with an empty request (mostly INVALID_ARGUMENT, OK for the
   * reads) and with every id field naming nothing (NOT_FOUND, or OK where CRI says a missing
   * thing succeeds). Each distinct (operation, code) is one more histogram in the scrape.
   */
  private static int fillRegistry(Channel channel, ServiceDescriptor service) {
    int calls = 0;
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      if (method.getType() != MethodDescriptor.MethodType.UNARY) {
        continue;
      }
      Message empty = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
          .getMessagePrototype();
      Message.Builder missing = empty.toBuilder();
      for (FieldDescriptor field : empty.getDescriptorForType().getFields()) {
        if (field.getJavaType() == FieldDescriptor.JavaType.STRING && !field.isRepeated()
            && field.getName().endsWith("_id")) {
          missing.setField(field, "0000000000000000000000000000000000000000000000000000000000000000");
        }
      }
      for (Message request : List.of(empty, missing.build())) {
        call(channel, method, request);
        calls++;
      }
    }
    return calls;
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> void call(Channel channel, MethodDescriptor<Q, R> method, Message request) {
    try {
      ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          (Q) request);
    } catch (StatusRuntimeException e) {
      // the code is what the histogram is tagged with; failing is the point for most of these
    }
  }

  /** One GET, read through; 30 s in all (a body that stops coming counts as failed, not as a hang). */
  private static Sample scrape(HttpClient client, URI uri) {
    long t0 = System.nanoTime();
    CompletableFuture<HttpResponse<byte[]>> answer = client.sendAsync(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    try {
      HttpResponse<byte[]> response = answer.get(30, TimeUnit.SECONDS);
      return new Sample(response.statusCode(), System.nanoTime() - t0, response.body().length);
    } catch (Exception e) {
      answer.cancel(true);
      return new Sample(-1, System.nanoTime() - t0, 0);
    }
  }

  /** The scrape text, or empty if none came within 60 s. */
  private static String text(HttpClient client, URI uri) {
    try {
      return client.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString()).get(60, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      return "";
    }
  }

  private static void row(List<String> report, String name, List<Sample> samples) {
    if (samples.isEmpty()) {
      report.add("| " + name + " | 0 | | | | |");
      return;
    }
    long[] sorted = samples.stream().mapToLong(Sample::nanos).sorted().toArray();
    int ok = (int) samples.stream().filter(x -> x.status() == 200).count();
    int busy = (int) samples.stream().filter(x -> x.status() == 503).count();
    int other = samples.size() - ok - busy;
    report.add("| " + name + " | " + samples.size() + ": " + ok + "× 200, " + busy + "× 503, " + other + " other | "
        + BenchReport.quantileCells(sorted) + " |");
  }

  private static String statusName(int status) {
    return status < 0 ? "no answer" : Integer.toString(status);
  }

  private static boolean isAlive(DaemonProcess daemon) {
    return ProcessHandle.of(daemon.pid()).map(ProcessHandle::isAlive).orElse(false);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The daemon's own GC pause totals, summed over every GC and cause, from a scrape text. */
  private record GcTotals(long count, double seconds) {
    static GcTotals of(String text) {
      long count = 0;
      double seconds = 0;
      for (String line : text.lines().toList()) {
        String value = line.substring(line.lastIndexOf(' ') + 1);
        if (line.startsWith("jvm_gc_pause_seconds_count{")) {
          count += (long) Double.parseDouble(value);
        } else if (line.startsWith("jvm_gc_pause_seconds_sum{")) {
          seconds += Double.parseDouble(value);
        }
      }
      return new GcTotals(count, seconds);
    }
  }
}
