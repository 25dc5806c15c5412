package dev.podshim.bench;

import dev.podshim.container.StreamOptions;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.streaming.ExecResult;
import dev.podshim.streaming.RemoteSession;
import dev.podshim.streaming.StreamClient;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Exec side by side on running CRI runtimes (podshim and containerd, say), the runs interleaved:
 * ExecSync of {@code true}, the throughput of 100 MB through an exec's stdout over SPDY, and the
 * time from the Exec call to the first byte of an interactive (tty, stdin) exec. Each runtime gets
 * a pod (on its CNI network) with one busybox container. Not part of the suite (tag "bench"):
 *
 * <pre>
 * ./mvnw -q -B -pl daemon surefire:test -Dtest=StreamingBenchmark -Dpodshim.excludedGroups= -Dpodshim.bench=true \
 *   -Dbench.endpoints=podshim=/run/podshim-ct/podshim.sock,containerd=/run/harness/containerd/containerd.sock
 * </pre>
 *
 * writes {@code daemon/target/bench/streaming-report.md}.
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "podshim.bench", matches = "true")
class StreamingBenchmark {
  private static final String IMAGE = System.getProperty("bench.image", "registry.k8s.io/e2e-test-images/busybox:1.29-2");
  private static final int EXEC_SYNCS = Integer.getInteger("bench.execSyncs", 100);
  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
  private static final int FIRST_BYTES = Integer.getInteger("bench.firstBytes", 30);
  private static final long BIG = 100L * 1000 * 1000;

  /** One runtime under test: its client, its pod and its container. */
  private static final class Target implements AutoCloseable {
    final String name;
    final CriEndpoint endpoint;
    final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
    final String podId;
    final String containerId;
    final List<Long> execSync = new ArrayList<>();
    final List<Double> mbPerSecond = new ArrayList<>();
    final List<Long> firstByte = new ArrayList<>();

    Target(String name, String socket) {
      this.name = name;
      endpoint = new CriEndpoint(name, socket);
      runtime = endpoint.runtime;
      endpoint.pull(IMAGE);
      // a pod network (the runtime's CNI): containerd 1.6 sets a hostname on host-network pods, which runc refuses
      var pod = Pods.config("stream-bench-" + name).setLogDirectory("/tmp/stream-bench-logs/" + name);
      podId = runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
      containerId = runtime.createContainer(Containers.create(podId, pod,
          Containers.config("app", IMAGE, "sleep", "100000").setLogPath("app.log"))).getContainerId();
      runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    @Override
    public void close() throws InterruptedException {
      runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      endpoint.close();
    }
  }

  @Test
  void measure() throws Exception {
    Map<String, String[]> endpoints = CriEndpoint.fromProperty("podshim=/run/podshim-ct/podshim.sock");
    List<Target> runtimes = new ArrayList<>();
    try (StreamClient client = StreamClient.forOtherServers()) {
      for (var e : endpoints.entrySet()) {
        runtimes.add(new Target(e.getKey(), e.getValue()[0]));
      }
      for (Target r : runtimes) { // warm-up
        for (int i = 0; i < 5; i++) {
          execSync(r);
        }
        client.spdyExec(exec(r, false, false, "true"), new StreamOptions(false, true, true, false));
      }
      for (int round = 0; round < ROUNDS; round++) {
        for (Target r : runtimes) {
          for (int i = 0; i < EXEC_SYNCS / ROUNDS; i++) {
            r.execSync.add(execSync(r));
          }
          long t0 = System.nanoTime();
          ExecResult big = client.spdyExec(exec(r, false, false, "head", "-c", Long.toString(BIG), "/dev/zero"),
              new StreamOptions(false, true, true, false));
          long took = System.nanoTime() - t0;
          if (big.stdoutCount() != BIG) {
            throw new AssertionError(r.name + ": " + big.stdoutCount() + " bytes of " + BIG);
          }
          r.mbPerSecond.add(BIG / 1e6 / (took / 1e9));
          for (int i = 0; i < FIRST_BYTES / ROUNDS; i++) {
            r.firstByte.add(firstByte(client, r));
          }
        }
      }
    } finally {
      for (Target r : runtimes) {
        r.close();
      }
    }

    List<String> report = new ArrayList<>();
    report.add("# exec side by side, " + Instant.now());
    report.add("");
    report.add("Image " + IMAGE + ", a pod with one `sleep` container per runtime; " + ROUNDS
        + " interleaved rounds; " + Runtime.getRuntime().availableProcessors() + " cores.");
    report.add("");
    report.add("| runtime | ExecSync `true` p50 | p90 | p99 | max (ms, n=" + EXEC_SYNCS / ROUNDS * ROUNDS
        + ") | 100 MB stdout over SPDY, MB/s per round | first byte of a tty exec p50 / p90 ms (n="
        + FIRST_BYTES / ROUNDS * ROUNDS + ") |");
    report.add("|---|---|---|---|---|---|---|");
    for (Target r : runtimes) {
      long[] sync = r.execSync.stream().mapToLong(Long::longValue).sorted().toArray();
      long[] first = r.firstByte.stream().mapToLong(Long::longValue).sorted().toArray();
      report.add("| " + r.name + " | " + BenchReport.quantileCells(sync) + " | "
          + String.join(", ", r.mbPerSecond.stream().map(v -> String.format("%.0f", v)).toList()) + " | "
          + String.format("%.1f / %.1f", first[first.length / 2] / 1e6, first[(int) (first.length * 0.9)] / 1e6) + " |");
    }
    BenchReport.write("streaming-report.md", report);
  }

  private static long execSync(Target r) {
    long t0 = System.nanoTime();
    var response = r.runtime.execSync(ExecSyncRequest.newBuilder().setContainerId(r.containerId).addCmd("true")
        .setTimeout(10).build());
    long took = System.nanoTime() - t0;
    if (response.getExitCode() != 0) {
      throw new AssertionError(r.name + ": ExecSync true exited " + response.getExitCode());
    }
    return took;
  }

  private static String exec(Target r, boolean stdin, boolean tty, String... cmd) {
    return r.runtime.exec(ExecRequest.newBuilder().setContainerId(r.containerId).addAllCmd(Arrays.asList(cmd))
        .setStdin(stdin).setStdout(true).setStderr(!tty).setTty(tty).build()).getUrl();
  }

  /** From the Exec call to the first byte an interactive shell prints, as {@code kubectl exec -it} waits for it. */
  private static long firstByte(StreamClient client, Target r) throws Exception {
    long t0 = System.nanoTime();
    try (RemoteSession session = client.spdy(exec(r, true, true, "echo", "ready"),
        new StreamOptions(true, true, false, true), StreamClient.SPDY_REMOTE_COMMAND)) {
      session.resize(80, 24);
      session.stdout().awaitCount(1, java.time.Duration.ofSeconds(30));
      long took = System.nanoTime() - t0;
      session.await(java.time.Duration.ofSeconds(30));
      return took;
    }
  }
}
