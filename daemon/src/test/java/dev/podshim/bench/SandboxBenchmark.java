package dev.podshim.bench;

import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The sandbox benchmark: RunPodSandbox/Stop/Remove latency against a real podshimd process over
 * its unix socket, pause memory, and daemon memory with 0 and N sandboxes. Run by
 * {@code scripts/bench.sh}; writes {@code daemon/target/bench/sandbox-report.md}. Not part of the
 * test suite (tag "bench"): it measures, it asserts nothing about speed.
 */
@Tag("bench")
class SandboxBenchmark {
  private static final int WARMUP = Integer.getInteger("bench.warmup", 50);
  private static final int CYCLES = Integer.getInteger("bench.cycles", 200);
  private static final int SANDBOXES = Integer.getInteger("bench.sandboxes", 200);

  @Test
  void measure() throws Exception {
    Prctl.setChildSubreaper();
    Path root = Files.createTempDirectory("podshim-bench");
    List<String> report = new ArrayList<>();
    report.add("# podshim sandbox benchmark, " + Instant.now());
    report.add("");
    report.add("JVM flags: `" + System.getProperty("bench.jvmOpts", "") + "`; " + Runtime.getRuntime().availableProcessors()
        + " cores; warmup " + WARMUP + ", measured cycles " + CYCLES + ", memory with " + SANDBOXES + " sandboxes.");
    dev.podshim.testing.TestNetwork network = new dev.podshim.testing.TestNetwork(root, true);
    report.add("Pod network: bridge + host-local + portmap with masquerade, the shape of podshim's default network "
        + "(bridge " + network.bridge + ", " + network.subnet + ").");
    try (network; DaemonProcess daemon = new DaemonProcess(root)) {
      daemon.start();
      long idleRss = rssKb(daemon.pid());
      report.add("");
      report.add("| scenario | op | p50 ms | p90 ms | p99 ms | max ms |");
      report.add("|---|---|---|---|---|---|");
      lifecycle(daemon, "host network", Pods::hostNetwork, report);
      lifecycle(daemon, "pod network", Pods::config, report);

      long rssBefore = rssKb(daemon.pid());
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < SANDBOXES; i++) {
        ids.add(daemon.runtime.runPodSandbox(Pods.run(Pods.config("mem-" + i))).getPodSandboxId());
      }
      List<Long> pauses = NodeLeaks.pausesOf(root);
      long[] rss = pauses.stream().mapToLong(SandboxBenchmark::rssKb).sorted().toArray();
      long[] pss = pauses.stream().mapToLong(SandboxBenchmark::pssKb).sorted().toArray();
      long rssWith = rssKb(daemon.pid());
      report.add("");
      report.add("| memory | value |");
      report.add("|---|---|");
      report.add("| pause RSS per pod (median of " + rss.length + ") | " + rss[rss.length / 2] + " KiB |");
      report.add("| pause PSS per pod (median of " + pss.length + ") | " + pss[pss.length / 2] + " KiB |");
      report.add("| daemon RSS, 0 sandboxes, fresh | " + idleRss / 1024 + " MiB |");
      report.add("| daemon RSS, 0 sandboxes, after " + 2 * (WARMUP + CYCLES) + " lifecycles | " + rssBefore / 1024 + " MiB |");
      report.add("| daemon RSS, " + SANDBOXES + " sandboxes | " + rssWith / 1024 + " MiB |");
      for (String id : ids) {
        daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      }
      daemon.terminate();
    } finally {
      Children.reapExited();
      dev.podshim.store.SandboxStore.deleteTree(root);
    }
    BenchReport.write("sandbox-report.md", report);
  }

  private static void lifecycle(DaemonProcess daemon, String scenario, Function<String, PodSandboxConfig.Builder> pod,
      List<String> report) {
    long[][] samples = new long[4][CYCLES];
    for (int i = 0; i < WARMUP + CYCLES; i++) {
      long t0 = System.nanoTime();
      String id = daemon.runtime.runPodSandbox(Pods.run(pod.apply("bench-" + i))).getPodSandboxId();
      long t1 = System.nanoTime();
      daemon.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      long t2 = System.nanoTime();
      daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      long t3 = System.nanoTime();
      if (i >= WARMUP) {
        int k = i - WARMUP;
        samples[0][k] = t1 - t0;
        samples[1][k] = t2 - t1;
        samples[2][k] = t3 - t2;
        samples[3][k] = t3 - t0;
      }
    }
    String[] ops = {"RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "run+stop+remove"};
    for (int op = 0; op < ops.length; op++) {
      long[] s = samples[op];
      Arrays.sort(s);
      report.add("| " + scenario + " | " + ops[op] + " | " + BenchReport.quantileCells(s) + " |");
    }
  }

  static long rssKb(long pid) {
    return field(Path.of("/proc/" + pid + "/status"), "VmRSS:");
  }

  static long pssKb(long pid) {
    return field(Path.of("/proc/" + pid + "/smaps_rollup"), "Pss:");
  }

  private static long field(Path file, String name) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }
}
