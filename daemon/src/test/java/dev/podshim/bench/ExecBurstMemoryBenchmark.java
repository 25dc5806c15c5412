package dev.podshim.bench;

import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.Containers;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.Pods;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Daemon memory after a burst of ExecSync calls whose command writes 50 MB (the daemon keeps
 * 16 MiB of it, as kubelet's cap, and answers with that): a real podshimd with the JVM flags of
 * {@code bench.jvmOpts} and the environment of the JVM running it (so {@code MALLOC_ARENA_MAX=2
 * ./mvnw ...} measures glibc's arenas capped), its RSS and PSS with one container running, right
 * after the burst, and 10, 30 and 60 s later. Writes {@code daemon/target/bench/exec-memory-report.md}.
 * Not part of the test suite (tag "bench").
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "podshim.bench", matches = "true")
class ExecBurstMemoryBenchmark {
  private static final int BURST = Integer.getInteger("bench.exec.burst", 20);
  private static final int PARALLEL = Integer.getInteger("bench.exec.parallel", 4);
  private static final long OUTPUT_BYTES = Long.getLong("bench.exec.bytes", 50L << 20);

  private record Point(String name, long rssKb, long pssKb) {}

  @Test
  void measure() throws Exception {
    Prctl.setChildSubreaper();
    Path out = Path.of("target/bench");
    Files.createDirectories(out);
    Path root = Files.createTempDirectory("podshim-execmem");
    List<Point> points = new ArrayList<>();
    Map<String, Integer> codes;
    long burstMillis;
    try (ImageTestRegistry registry = ImageTestRegistry.start(root.resolve("registry"));
        DaemonProcess daemon = new DaemonProcess(root.resolve("state"))) {
      String busybox = registry.pushBusybox("bench/busybox", "1");
      daemon.start();
      daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
      PodSandboxConfig.Builder pod = Pods.hostNetwork("execmem");
      String podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
      String id = daemon.runtime.createContainer(Containers.create(podId, pod,
          Containers.config("app", busybox, "sleep", "100000"))).getContainerId();
      daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
      points.add(sample(daemon, "one container running"));

      long t0 = System.nanoTime();
      codes = burst(daemon, id);
      burstMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      long burstEnd = System.nanoTime();
      points.add(sample(daemon, "right after the burst"));
      for (int seconds : new int[] {10, 30, 60}) {
        long wait = burstEnd + TimeUnit.SECONDS.toNanos(seconds) - System.nanoTime();
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(wait)));
        points.add(sample(daemon, seconds + " s after the burst"));
      }
      daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      daemon.terminate();
      Files.writeString(out.resolve("exec-memory-daemon.log"), daemon.log());
    } finally {
      Children.reapExited();
      dev.podshim.store.SandboxStore.deleteTree(root);
    }

    List<String> report = new ArrayList<>();
    report.add("# podshimd memory after ExecSync bursts, " + Instant.now());
    report.add("");
    report.add("JVM flags: `" + System.getProperty("bench.jvmOpts", "") + "`; MALLOC_ARENA_MAX="
        + System.getenv().getOrDefault("MALLOC_ARENA_MAX", "(unset)") + "; "
        + Runtime.getRuntime().availableProcessors() + " cores.");
    report.add("Burst: " + BURST + " ExecSync calls of `head -c " + OUTPUT_BYTES + " /dev/zero`, " + PARALLEL
        + " at once, " + burstMillis + " ms; codes " + codes + ".");
    report.add("");
    report.add("| point | RSS MiB | PSS MiB |");
    report.add("|---|---|---|");
    for (Point p : points) {
      report.add("| " + p.name() + " | " + mib(p.rssKb()) + " | " + mib(p.pssKb()) + " |");
    }
    Files.write(out.resolve("exec-memory-report.md"), report);
    report.forEach(System.out::println);
  }

  private static Map<String, Integer> burst(DaemonProcess daemon, String id) throws Exception {
    Map<String, Integer> codes = new TreeMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    try {
      List<Future<String>> calls = new ArrayList<>();
      for (int i = 0; i < BURST; i++) {
        calls.add(pool.submit(() -> {
          try {
            daemon.runtime.withMaxInboundMessageSize(64 << 20).withDeadlineAfter(120, TimeUnit.SECONDS)
                .execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(60)
                    .addAllCmd(List.of("head", "-c", Long.toString(OUTPUT_BYTES), "/dev/zero")).build());
            return "OK";
          } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
          }
        }));
      }
      for (Future<String> call : calls) {
        codes.merge(call.get(), 1, Integer::sum);
      }
    } finally {
      pool.shutdownNow();
    }
    return codes;
  }

  private static Point sample(DaemonProcess daemon, String name) throws Exception {
    return new Point(name, SandboxBenchmark.rssKb(daemon.pid()), SandboxBenchmark.pssKb(daemon.pid()));
  }

  private static String mib(long kb) {
    return String.format("%.1f", kb / 1024.0);
  }
}
