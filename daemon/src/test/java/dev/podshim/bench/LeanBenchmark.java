package dev.podshim.bench;

import dev.podshim.cri.v1.LinuxPodSandboxConfig;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxMetadata;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RunPodSandboxRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's figures in one run, podshim and containerd side by side: status and list latency
 * with 1 and N pods (a Java gRPC client on the socket, calls back to back), the daemon's RSS and
 * PSS with 0 and N pods, start → ready on an empty root, and kill -9 → serving N pods. podshim is
 * started by {@code scripts/run.sh} (production flags and AOT cache); containerd (Debian's, on
 * {@code PATH}) is a private instance of this benchmark's own (root, state and socket under a temp
 * directory), so no shared daemon is touched. Both use the CNI network in
 * {@code bench.lean.cniConfDir} (the harness's bridge network by default). Run by
 * {@code scripts/bench-lean.sh}; writes {@code daemon/target/bench/lean-report.md}.
 */
@Tag("bench")
class LeanBenchmark {
  private static final int PODS = Integer.getInteger("bench.lean.pods", 110);
  private static final int CALLS = Integer.getInteger("bench.lean.calls", 2000);
  private static final int STARTS = Integer.getInteger("bench.lean.starts", 3);
  private static final String CNI = System.getProperty("bench.lean.cniConfDir", "/var/lib/harness/cni/net.d");
  private static final int CRITEST_PODS = Integer.getInteger("bench.lean.critestPods", 60);
  /** ../shared/conformance/bench.sh of the project's checkout; empty to skip critest. */
  private static final String CRITEST = System.getProperty("bench.lean.critest",
      Path.of("../../shared/conformance/bench.sh").toAbsolutePath().normalize().toString());
  private static final boolean CONTAINERD = Boolean.parseBoolean(System.getProperty("bench.lean.containerd", "true"));

  /** One runtime under test: how to start it on its (kept) state and where it listens. */
  private static final Pattern PODSHIM_STARTUP = Pattern.compile("podshimd ready .*startup_ms=\"(\\d+)\"");
  private static final Pattern CONTAINERD_STARTUP = Pattern.compile("successfully booted in ([0-9.]+)s");

  private interface Runtime {
    String name();

    Path socket();

    Process start() throws IOException;

    void cleanRoot() throws Exception;

    /** Where the daemon's log tells how long each start took. */
    StartLog startLog();
  }

  /** A log file and the line in it that gives a start's duration, in {@code unitMillis} ms. */
  private record StartLog(Path file, Pattern line, double unitMillis) {}

  /**
   * The {@code n}th start time (1-based) the daemon logged, waiting up to a second for the line:
   * the daemon's own figure, free of the polling client and of process launch.
   */
  private static long loggedStart(Runtime runtime, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (true) {
      StartLog log = runtime.startLog();
      List<String> found = new ArrayList<>();
      Matcher m = log.line().matcher(Files.readString(log.file()));
      while (m.find()) {
        found.add(m.group(1));
      }
      if (found.size() >= n) {
        return Math.round(Double.parseDouble(found.get(n - 1)) * log.unitMillis());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(runtime.name() + " logged " + found.size() + " starts, expected " + n);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void measure() throws Exception {
    Path work = Files.createTempDirectory("podshim-lean-bench");
    List<String> report = new ArrayList<>();
    report.add("# podshim lean benchmark, " + Instant.now());
    report.add("");
    report.add("Runtimes on one machine, one after the other: " + PODS + " pods, "
        + CALLS + " calls back to back per latency figure (2 rounds, the second reported), "
        + STARTS + " starts each; CNI " + CNI + ".");
    report.add("");
    report.add("| figure | " + "podshim" + (CONTAINERD ? " | containerd" : "") + " |");
    report.add("|---|---" + (CONTAINERD ? "|---" : "") + "|");
    List<Runtime> runtimes = new ArrayList<>(List.of(podshim(work.resolve("podshim"))));
    if (CONTAINERD) {
      runtimes.add(containerd(work.resolve("containerd")));
    }
    List<List<String>> columns = new ArrayList<>();
    List<String> rows = List.of("start → ready, empty root (ms, each start)",
        "… the same starts as the daemon logs them (ms)", "RSS / PSS, 0 pods (MiB)",
        "PodSandboxStatus verbose, 1 pod p50 / p99 (ms)", "ListPodSandbox, 1 pod p50 / p99 (ms)",
        "RSS / PSS, " + PODS + " pods (MiB)", "PodSandboxStatus verbose, " + PODS + " pods p50 / p99 (ms)",
        "ListPodSandbox, " + PODS + " pods p50 / p99 (ms)", "kill -9 → serving " + PODS + " pods READY (ms, each)",
        "… the same restarts as the daemon logs them (ms)",
        "critest benchmark StatusPod p50 / p99 (ms), " + CRITEST_PODS + " pods one at a time");
    for (Runtime runtime : runtimes) {
      columns.add(measure(runtime));
    }
    for (int r = 0; r < rows.size(); r++) {
      StringBuilder line = new StringBuilder("| " + rows.get(r));
      for (List<String> column : columns) {
        line.append(" | ").append(column.get(r));
      }
      report.add(line.append(" |").toString());
    }
    BenchReport.write("lean-report.md", report);
    try {
      dev.podshim.store.SandboxStore.deleteTree(work);
    } catch (IOException e) {
      System.out.println("left " + work + ": " + e);
    }
  }

  private List<String> measure(Runtime runtime) throws Exception {
    List<String> out = new ArrayList<>();
    runtime.cleanRoot();
    List<Long> starts = new ArrayList<>();
    List<Long> logged = new ArrayList<>();
    int loggedStarts = 0;
    Process daemon = null;
    for (int i = 0; i < STARTS; i++) {
      if (daemon != null) {
        stop(daemon);
      }
      runtime.cleanRoot();
      Object stale = socketKey(runtime.socket());
      long begin = System.nanoTime();
      daemon = runtime.start();
      awaitNewSocket(runtime.socket(), stale);
      try (Client c = new Client(runtime.socket())) {
        c.await(() -> c.rt.version(VersionRequest.getDefaultInstance()) != null);
      }
      starts.add((System.nanoTime() - begin) / 1_000_000);
      logged.add(loggedStart(runtime, ++loggedStarts));
    }
    out.add(starts.toString());
    out.add(logged.toString());
    Thread.sleep(12_000); // past G1's periodic collection (5 s) and a native heap trim
    out.add(memory(daemon));
    List<String> ids = new ArrayList<>();
    try (Client c = new Client(runtime.socket())) {
      ids.add(c.runPod(0));
      out.add(latency(() -> c.rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(ids.getFirst())
          .setVerbose(true).build())));
      out.add(latency(() -> c.rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance())));
      for (int i = 1; i < PODS; i++) {
        ids.add(c.runPod(i));
      }
    }
    Thread.sleep(12_000);
    out.add(memory(daemon));
    try (Client c = new Client(runtime.socket())) {
      out.add(latency(() -> c.rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(ids.getFirst())
          .setVerbose(true).build())));
      out.add(latency(() -> c.rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance())));
    }
    List<Long> restarts = new ArrayList<>();
    List<Long> loggedRestarts = new ArrayList<>();
    for (int i = 0; i < STARTS; i++) {
      daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      Object stale = socketKey(runtime.socket());
      long begin = System.nanoTime();
      daemon = runtime.start();
      awaitNewSocket(runtime.socket(), stale);
      try (Client c = new Client(runtime.socket())) {
        c.await(() -> c.rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
            .filter(p -> p.getState() == PodSandboxState.SANDBOX_READY).count() >= PODS);
      }
      restarts.add((System.nanoTime() - begin) / 1_000_000);
      loggedRestarts.add(loggedStart(runtime, ++loggedStarts));
    }
    out.add(restarts.toString());
    out.add(loggedRestarts.toString());
    try (Client c = new Client(runtime.socket())) {
      for (String id : ids) {
        c.rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        c.rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      }
    }
    out.add(critest(runtime));
    try (Client c = new Client(runtime.socket())) { // whatever critest left behind
      for (var pod : c.rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
        c.rt.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
        c.rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
      }
    }
    stop(daemon);
    runtime.cleanRoot();
    return out;
  }

  /** critest's own pod benchmark (Go client, PodSandboxStatus verbose right after each RunPodSandbox). */
  private static String critest(Runtime runtime) throws IOException, InterruptedException {
    if (CRITEST.isEmpty() || !Files.isExecutable(Path.of(CRITEST))) {
      return "(no " + CRITEST + ")";
    }
    Process p = new ProcessBuilder(CRITEST, "unix://" + runtime.socket(), Integer.toString(CRITEST_PODS), "0")
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    var m = java.util.regex.Pattern.compile("StatusPod p50=([0-9.]+)ms p99=([0-9.]+)ms").matcher(output);
    return m.find() ? m.group(1) + " / " + m.group(2) : "(critest: " + output.strip().lines().reduce((a, b) -> b).orElse("") + ")";
  }

  private static String latency(Runnable call) {
    long[] t = new long[CALLS];
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < CALLS; i++) {
        long begin = System.nanoTime();
        call.run();
        t[i] = System.nanoTime() - begin;
      }
    }
    Arrays.sort(t);
    return String.format("%.3f / %.3f", t[CALLS / 2] / 1e6, t[Math.min(CALLS - 1, CALLS * 99 / 100)] / 1e6);
  }

  private static String memory(Process daemon) {
    return SandboxBenchmark.rssKb(daemon.pid()) / 1024 + " / " + SandboxBenchmark.pssKb(daemon.pid()) / 1024;
  }

  private static void stop(Process daemon) throws InterruptedException {
    daemon.destroy();
    if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
      daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Runtime podshim(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path socket = dir.resolve("run/podshim.sock");
    Path root = dir.resolve("root");
    int metricsPort;
    try (ServerSocket s = new ServerSocket(0)) {
      metricsPort = s.getLocalPort();
    }
    Path config = dir.resolve("podshim.toml");
    Files.writeString(config, "socket = \"" + socket + "\"\nroot = \"" + root + "\"\nmetrics_address = \"127.0.0.1:"
        + metricsPort + "\"\ncni_conf_dir = \"" + CNI + "\"\ncni_default_network = false\n");
    Path runSh = Path.of("..", "scripts", "run.sh").toAbsolutePath().normalize();
    return new Runtime() {
      public String name() {
        return "podshim";
      }

      public Path socket() {
        return socket;
      }

      public Process start() throws IOException {
        // run.sh execs java: the process is the daemon itself
        return new ProcessBuilder(runSh.toString(), "--config", config.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("podshimd.log").toFile())).start();
      }

      public void cleanRoot() throws Exception {
        dev.podshim.store.SandboxStore.deleteTree(root);
      }

      public StartLog startLog() {
        return new StartLog(dir.resolve("podshimd.log"), PODSHIM_STARTUP, 1);
      }
    };
  }

  private static Runtime containerd(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path socket = dir.resolve("containerd.sock");
    Path config = dir.resolve("containerd.toml");
    Files.writeString(config, String.join("\n",
        "version = 2", "root = \"" + dir.resolve("root") + "\"", "state = \"" + dir.resolve("state") + "\"",
        "[grpc]", "  address = \"" + socket + "\"",
        "[plugins.\"io.containerd.grpc.v1.cri\"]", "  sandbox_image = \"registry.k8s.io/pause:3.6\"",
        "  stream_server_address = \"127.0.0.1\"", "  stream_server_port = \"0\"", "  restrict_oom_score_adj = true",
        "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]", "    snapshotter = \"overlayfs\"",
        "    default_runtime_name = \"runc\"",
        "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]", "      runtime_type = \"io.containerd.runc.v2\"",
        "  [plugins.\"io.containerd.grpc.v1.cri\".cni]", "    bin_dir = \"/usr/lib/cni\"", "    conf_dir = \"" + CNI + "\"",
        "  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"registry.k8s.io\"]",
        "    endpoint = [\"http://127.0.0.1:5000\"]", ""));
    return new Runtime() {
      public String name() {
        return "containerd";
      }

      public Path socket() {
        return socket;
      }

      public Process start() throws IOException {
        return new ProcessBuilder("containerd", "--config", config.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("containerd.log").toFile())).start();
      }

      /** An empty root keeps the pause image: containerd would otherwise pull it inside its first RunPodSandbox. */
      public void cleanRoot() throws Exception {
        Path meta = dir.resolve("root/io.containerd.metadata.v1.bolt");
        if (Files.exists(meta)) {
          return; // pods are removed at the end of each pass; the image store stays
        }
      }

      public StartLog startLog() {
        return new StartLog(dir.resolve("containerd.log"), CONTAINERD_STARTUP, 1000);
      }
    };
  }

  /** A CRI client on a runtime's socket. */
  /**
   * The socket file's identity, or null when there is none: its inode and its times, since a
   * file system may give a socket bound anew the inode number its stale file had.
   */
  private static @Nullable Object socketKey(Path socket) {
    try {
      var a = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return List.of(String.valueOf(a.fileKey()), a.creationTime(), a.lastModifiedTime());
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Waits, with a stat every millisecond, for the daemon to bind its socket anew (a kill -9 leaves
   * the old file). Only then does the gRPC polling start: a client retrying refused connections
   * every 2 ms takes most of a core, which a start of the JVM on two cores needs itself.
   */
  private static void awaitNewSocket(Path socket, @Nullable Object stale) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (true) {
      Object key = socketKey(socket);
      if (key != null && !key.equals(stale)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no new socket within a minute: " + socket);
      }
      Thread.sleep(1);
    }
  }

  private static final class Client implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final ManagedChannel channel;
    final RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;

    Client(Path socket) {
      channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString())).eventLoopGroup(group)
          .channelType(EpollDomainSocketChannel.class).usePlaintext().maxInboundMessageSize(16 << 20).build();
      rt = RuntimeServiceGrpc.newBlockingStub(channel);
    }

    /** Polls every 2 ms for up to a minute. */
    void await(Supplier<Boolean> ready) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (true) {
        try {
          if (ready.get()) {
            return;
          }
        } catch (StatusRuntimeException notYet) {
          // connection refused or UNAVAILABLE while starting. A refused connection puts the channel
          // in grpc's reconnect backoff (1 s at first), which would be measured instead of the
          // daemon: try again at the next poll.
          channel.resetConnectBackoff();
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("not ready within a minute");
        }
        Thread.sleep(2);
      }
    }

    String runPod(int i) {
      return rt.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
          .setMetadata(PodSandboxMetadata.newBuilder().setName("lean-" + i).setNamespace("lean-bench")
              .setUid("lean-" + i + "-" + ProcessHandle.current().pid()))
          .putLabels("app", "lean-bench").setLinux(LinuxPodSandboxConfig.getDefaultInstance())).build())
          .getPodSandboxId();
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
