package dev.podshim.bench;

import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.cri.v1.VersionRequest;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.Pods;
import io.grpc.Status;
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
 * Daemon memory under bursts: a real podshimd process with the production JVM flags, its RSS and
 * PSS fresh, after host-network sandbox lifecycles, right after a burst of requests of ~16 MB
 * (refused ones: the daemon must still read and parse them whole), and 10 s and 30 s later — does
 * the memory come back? Run by {@code scripts/bench.sh}; writes
 * {@code daemon/target/bench/memory-report.md} and the daemon's log, to see why a call of the burst
 * failed, to {@code memory-daemon.log}. With {@code -XX:NativeMemoryTracking=summary} in
 * {@code bench.jvmOpts} it also writes {@code jcmd VM.native_memory summary} at each point to
 * {@code memory-nmt.txt} (NMT does not see Netty's direct buffers: on JDK 25 Netty mallocs them
 * itself). Not part of the test suite (tag "bench").
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "podshim.bench", matches = "true")
class MemoryBenchmark {
  private static final int LIFECYCLES = Integer.getInteger("bench.memory.lifecycles", 1000);
  private static final int BURST = Integer.getInteger("bench.memory.burst", 50);
  /** Requests of the burst in flight at once, on the one connection kubelet would use. */
  private static final int PARALLEL = Integer.getInteger("bench.memory.parallel", 4);
  /** Just under the daemon's 16 MiB inbound message limit, leaving room for the rest of the request. */
  private static final int HUGE_CHARS = Integer.getInteger("bench.memory.chars", 16 * 1024 * 1024 - 4096);

  /** A measuring point; CPU (user + system) is the daemon's total so far, to show what idle collecting costs. */
  private record Point(String name, long rssKb, long pssKb, long cpuMillis) {}

  @Test
  void measure() throws Exception {
    Prctl.setChildSubreaper();
    String jvmOpts = System.getProperty("bench.jvmOpts", "");
    boolean nmt = jvmOpts.contains("NativeMemoryTracking");
    Path out = Path.of("target/bench");
    Files.createDirectories(out);
    Path nmtFile = out.resolve("memory-nmt.txt");
    Files.deleteIfExists(nmtFile);
    Path root = Files.createTempDirectory("podshim-membench");
    List<Point> points = new ArrayList<>();
    Map<String, Integer> codes;
    long burstMillis;
    String answersAfter;
    try (DaemonProcess daemon = new DaemonProcess(root)) {
      daemon.start();
      points.add(sample(daemon, "fresh (ready)", nmt, nmtFile));

      for (int i = 0; i < LIFECYCLES; i++) {
        String id = daemon.runtime.runPodSandbox(Pods.run(Pods.hostNetwork("mem-" + i))).getPodSandboxId();
        daemon.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      }
      points.add(sample(daemon, "after " + LIFECYCLES + " host-network lifecycles", nmt, nmtFile));

      long t0 = System.nanoTime();
      codes = burst(daemon);
      burstMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      long burstEnd = System.nanoTime();
      points.add(sample(daemon, "right after the burst", nmt, nmtFile));
      for (int seconds : new int[] {10, 30}) {
        long wait = burstEnd + TimeUnit.SECONDS.toNanos(seconds) - System.nanoTime();
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(wait)));
        points.add(sample(daemon, seconds + " s after the burst", nmt, nmtFile));
      }
      answersAfter = answers(daemon);
      daemon.terminate();
      Files.writeString(out.resolve("memory-daemon.log"), daemon.log());
    } finally {
      Children.reapExited();
      dev.podshim.store.SandboxStore.deleteTree(root);
    }

    List<String> report = new ArrayList<>();
    report.add("# podshimd memory under bursts, " + Instant.now());
    report.add("");
    report.add("JVM flags: `" + jvmOpts + "`; MALLOC_ARENA_MAX=" + System.getenv().getOrDefault("MALLOC_ARENA_MAX", "(unset)")
        + "; " + Runtime.getRuntime().availableProcessors() + " cores.");
    report.add("Burst: " + BURST + " requests of " + HUGE_CHARS + " characters (RunPodSandbox with one huge annotation value, "
        + "PodSandboxStatus with a huge id, alternating), " + PARALLEL + " in flight at once on one connection, "
        + burstMillis + " ms; codes " + codes + ". Version 30 s after the burst: " + answersAfter + ".");
    report.add("");
    report.add("| point | RSS MiB | PSS MiB | daemon CPU ms since the previous point |");
    report.add("|---|---|---|---|");
    long cpu = 0;
    for (Point p : points) {
      report.add("| " + p.name() + " | " + mib(p.rssKb()) + " | " + mib(p.pssKb()) + " | " + (p.cpuMillis() - cpu) + " |");
      cpu = p.cpuMillis();
    }
    Files.write(out.resolve("memory-report.md"), report);
    report.forEach(System.out::println);
  }

  /** The burst, {@link #PARALLEL} calls at a time; returns how many calls ended with each status code. */
  private static Map<String, Integer> burst(DaemonProcess daemon) throws Exception {
    String huge = "x".repeat(HUGE_CHARS);
    Map<String, Integer> codes = new TreeMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    try {
      List<Future<Status.Code>> calls = new ArrayList<>();
      for (int i = 0; i < BURST; i++) {
        int n = i;
        calls.add(pool.submit(() -> hugeRequest(daemon, n, huge)));
      }
      for (Future<Status.Code> call : calls) {
        codes.merge(call.get().name(), 1, Integer::sum);
      }
    } finally {
      pool.shutdownNow();
    }
    return codes;
  }

  /**
   * Whether the daemon still serves after the burst, which may have cost the connection its life
   * (the channel then connects again).
   */
  private static String answers(DaemonProcess daemon) {
    try {
      daemon.runtime.withDeadlineAfter(10, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
      return "OK";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode().name();
    }
  }

  /** One ~16 MB request, refused by the daemon; returns its status code. */
  private static Status.Code hugeRequest(DaemonProcess daemon, int n, String huge) {
    try {
      if (n % 2 == 0) {
        daemon.runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
            .runPodSandbox(Pods.run(Pods.hostNetwork("burst-" + n).putAnnotations("huge", huge)));
      } else {
        daemon.runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
            .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(huge).build());
      }
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static Point sample(DaemonProcess daemon, String name, boolean nmt, Path nmtFile) throws Exception {
    Point p = new Point(name, SandboxBenchmark.rssKb(daemon.pid()), SandboxBenchmark.pssKb(daemon.pid()),
        cpuMillis(daemon.pid()));
    if (nmt) {
      Path jcmd = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jcmd");
      Process process = new ProcessBuilder(jcmd.toString(), Long.toString(daemon.pid()), "VM.native_memory", "summary")
          .redirectErrorStream(true).start();
      String summary = new String(process.getInputStream().readAllBytes());
      process.waitFor();
      Files.writeString(nmtFile, "=== " + name + " (RSS " + mib(p.rssKb()) + " MiB)\n" + summary + "\n",
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
    return p;
  }

  /** User + system CPU time of the process, from /proc/PID/stat (clock ticks of 10 ms). */
  private static long cpuMillis(long pid) throws java.io.IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
  }

  private static String mib(long kb) {
    return String.format("%.1f", kb / 1024.0);
  }
}
