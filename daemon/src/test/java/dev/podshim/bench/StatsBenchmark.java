package dev.podshim.bench;

import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ListContainerStatsRequest;
import dev.podshim.cri.v1.ListPodSandboxMetricsRequest;
import dev.podshim.cri.v1.ListPodSandboxStatsRequest;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Stats latency at kubelet's scale: N pods (default 110) on a pod network, one busybox container
 * each, against a real podshimd over its socket. Writes {@code daemon/target/bench/stats-report.md}.
 * Tag "bench": it measures, it asserts nothing about speed.
 */
@Tag("bench")
class StatsBenchmark {
  private static final int PODS = Integer.getInteger("bench.pods", 110);
  private static final int WARMUP = Integer.getInteger("bench.warmup", 20);
  private static final int CALLS = Integer.getInteger("bench.calls", 100);

  @Test
  void measure() throws Exception {
    Prctl.setChildSubreaper();
    Path root = Files.createTempDirectory("podshim-stats-bench");
    List<String> report = new ArrayList<>();
    report.add("# podshim stats benchmark, " + Instant.now());
    report.add("");
    report.add(PODS + " pods on a bridge network, one running busybox container each; "
        + Runtime.getRuntime().availableProcessors() + " cores; warmup " + WARMUP + ", measured calls " + CALLS + ".");
    try (ImageTestRegistry registry = ImageTestRegistry.start(root.resolve("registry"));
        DaemonProcess daemon = new DaemonProcess(root.resolve("daemon"))) {
      String busybox = registry.pushBusybox("bench/busybox", "1");
      daemon.start();
      daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
      List<String> pods = new ArrayList<>();
      for (int i = 0; i < PODS; i++) {
        PodSandboxConfig.Builder pod = Pods.config("stats-" + i);
        String podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
        pods.add(podId);
        String id = daemon.runtime.createContainer(Containers.create(podId, pod,
            Containers.config("sleeper", busybox, "sleep", "100000"))).getContainerId();
        daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
      }
      report.add("");
      report.add("| op | p50 ms | p90 ms | p99 ms | max ms |");
      report.add("|---|---|---|---|---|");
      time(report, "ListContainerStats", () -> daemon.runtime.listContainerStats(
          ListContainerStatsRequest.getDefaultInstance()).getStatsCount(), PODS);
      time(report, "ListPodSandboxStats", () -> daemon.runtime.listPodSandboxStats(
          ListPodSandboxStatsRequest.getDefaultInstance()).getStatsCount(), PODS);
      time(report, "ListPodSandboxMetrics", () -> daemon.runtime.listPodSandboxMetrics(
          ListPodSandboxMetricsRequest.getDefaultInstance()).getPodMetricsCount(), PODS);
      for (String id : pods) {
        daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      }
      daemon.terminate();
    } finally {
      Children.reapExited();
      dev.podshim.store.SandboxStore.deleteTree(root);
    }
    BenchReport.write("stats-report.md", report);
    report.forEach(System.out::println);
  }

  private static void time(List<String> report, String op, Supplier<Integer> call, int expected) {
    long[] samples = new long[CALLS];
    for (int i = 0; i < WARMUP + CALLS; i++) {
      long t0 = System.nanoTime();
      int n = call.get();
      long took = System.nanoTime() - t0;
      if (n != expected) {
        throw new AssertionError(op + " answered " + n + " items, not " + expected);
      }
      if (i >= WARMUP) {
        samples[i - WARMUP] = took;
      }
    }
    Arrays.sort(samples);
    report.add("| " + op + " | " + BenchReport.quantileCells(samples) + " |");
  }
}
