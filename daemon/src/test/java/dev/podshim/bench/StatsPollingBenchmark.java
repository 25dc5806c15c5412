package dev.podshim.bench;

import dev.podshim.cri.v1.ListContainerStatsRequest;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.ListPodSandboxStatsRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Stats as kubelet polls them, side by side on running CRI runtimes: N pods (default 110) of one
 * busybox container on each runtime's CNI network; then ListContainerStats and ListPodSandboxStats
 * latency, interleaved between the runtimes; then, for each runtime alone, a minute of kubelet-like
 * polling (ListPodSandbox every second, ListContainerStats and ListPodSandboxStats every 10 s) and
 * the CPU its processes used meanwhile (the daemon; for containerd also its shims, which answer its
 * stats). Not part of the suite (tag "bench"):
 *
 * <pre>
 * ./mvnw -q -B -pl daemon surefire:test -Dtest=StatsPollingBenchmark -Dpodshim.excludedGroups= -Dpodshim.bench=true \
 *   -Dbench.endpoints='podshim=/run/podshim-ct/podshim.sock=podshimd.jar --config /tmp/ct,containerd=/run/harness/containerd/containerd.sock=^containerd'
 * </pre>
 *
 * (each endpoint: name=socket=a {@code pgrep -f} pattern of its processes); writes
 * {@code daemon/target/bench/stats-polling-report.md}.
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "podshim.bench", matches = "true")
class StatsPollingBenchmark {
  private static final String IMAGE = System.getProperty("bench.image", "registry.k8s.io/e2e-test-images/busybox:1.29-2");
  private static final int PODS = Integer.getInteger("bench.pods", 110);
  private static final int CALLS = Integer.getInteger("bench.calls", 30);
  private static final int POLL_SECONDS = Integer.getInteger("bench.pollSeconds", 60);

  /** One runtime: its client, its pods, and how to find its processes. */
  private static final class Target implements AutoCloseable {
    final String name;
    final String processPattern;
    final CriEndpoint endpoint;
    final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    final List<String> pods = new ArrayList<>();
    final List<Long> listContainerStats = new ArrayList<>();
    final List<Long> listPodSandboxStats = new ArrayList<>();
    long pollCpuMillis;

    Target(String name, String socket, String processPattern) {
      this.name = name;
      this.processPattern = processPattern;
      endpoint = new CriEndpoint(name, socket);
      runtime = endpoint.runtime;
      endpoint.pull(IMAGE);
    }

    void createPods() {
      for (int i = 0; i < PODS; i++) {
        PodSandboxConfig.Builder pod = Pods.config("statsbench-" + name + "-" + i)
            .setLogDirectory("/tmp/stats-bench-logs/" + name + "/" + i);
        // kubelet always gives a pod its own cgroup; containerd's pod stats need one
        pod.getLinuxBuilder().setCgroupParent("/statsbench/" + name + "/pod" + i);
        String podId = runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
        pods.add(podId);
        String id = runtime.createContainer(Containers.create(podId, pod,
            Containers.config("app", IMAGE, "sleep", "100000").setLogPath("app.log"))).getContainerId();
        runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
      }
    }

    @Override
    public void close() throws InterruptedException {
      for (String podId : pods) {
        runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      }
      endpoint.close();
    }
  }

  @Test
  void measure() throws Exception {
    Map<String, String[]> endpoints =
        CriEndpoint.fromProperty("podshim=/run/podshim-ct/podshim.sock=podshimd.jar --config /tmp/ct");
    List<Target> targets = new ArrayList<>();
    try {
      for (var e : endpoints.entrySet()) {
        Target t = new Target(e.getKey(), e.getValue()[0], e.getValue()[1]);
        targets.add(t);
        t.createPods();
      }
      for (int i = 0; i < CALLS + 5; i++) {
        for (Target t : targets) {
          long a = time(() -> t.runtime.listContainerStats(ListContainerStatsRequest.getDefaultInstance())
              .getStatsCount());
          long b = time(() -> t.runtime.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance())
              .getStatsCount());
          if (i >= 5) { // the first calls measure writable layers and take the first CPU samples
            t.listContainerStats.add(a);
            t.listPodSandboxStats.add(b);
          }
        }
      }
      for (Target t : targets) {
        long before = cpuMillis(t.processPattern);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(POLL_SECONDS);
        for (int second = 0; System.nanoTime() < end; second++) {
          t.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
          if (second % 10 == 0) {
            t.runtime.listContainerStats(ListContainerStatsRequest.getDefaultInstance());
            t.runtime.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance());
          }
          Thread.sleep(1000);
        }
        t.pollCpuMillis = cpuMillis(t.processPattern) - before;
      }
    } finally {
      for (Target t : targets) {
        t.close();
      }
    }

    List<String> report = new ArrayList<>();
    report.add("# stats polling side by side, " + Instant.now());
    report.add("");
    report.add(PODS + " pods of one busybox `sleep` container per runtime, on its CNI network; " + CALLS
        + " calls of each List*Stats per runtime, interleaved; then " + POLL_SECONDS + " s of kubelet-like polling per "
        + "runtime alone; " + Runtime.getRuntime().availableProcessors() + " cores.");
    report.add("");
    report.add("| runtime | ListContainerStats p50 | p90 | p99 | max ms | ListPodSandboxStats p50 | p90 | p99 | max ms "
        + "| CPU during polling (ms, % of one core) |");
    report.add("|---|---|---|---|---|---|---|---|---|---|");
    for (Target t : targets) {
      report.add("| " + t.name + " | " + BenchReport.quantileCells(sorted(t.listContainerStats)) + " | "
          + BenchReport.quantileCells(sorted(t.listPodSandboxStats)) + " | " + t.pollCpuMillis + " ms, "
          + String.format("%.2f %%", 100.0 * t.pollCpuMillis / (POLL_SECONDS * 1000.0)) + " |");
    }
    BenchReport.write("stats-polling-report.md", report);
  }

  private static long time(Supplier<Integer> call) {
    long t0 = System.nanoTime();
    int n = call.get();
    long took = System.nanoTime() - t0;
    if (n < PODS) {
      throw new AssertionError("a stats list of " + n + " entries, expected at least " + PODS);
    }
    return took;
  }

  private static long[] sorted(List<Long> samples) {
    return samples.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** User + system CPU of every process whose command line matches {@code pattern} (a regex), Maven's aside. */
  private static long cpuMillis(String pattern) throws IOException, InterruptedException {
    Process pgrep = new ProcessBuilder("pgrep", "-f", pattern).start();
    String pids = new String(pgrep.getInputStream().readAllBytes());
    pgrep.waitFor();
    long ticks = 0;
    for (String pid : pids.split("\\s+")) {
      if (pid.isBlank()) {
        continue;
      }
      try {
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
        if (cmdline.contains("bench.endpoints") || cmdline.contains("surefire")) {
          continue; // Maven and this test, whose command lines name the patterns
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException e) {
        // gone meanwhile
      }
    }
    return ticks * 10;
  }
}
