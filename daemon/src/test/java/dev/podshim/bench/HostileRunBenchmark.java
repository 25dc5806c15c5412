package dev.podshim.bench;

import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.HugepageLimit;
import dev.podshim.cri.v1.ImageServiceGrpc;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.LinuxContainerResources;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.Mount;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.SecurityProfile;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.cri.v1.UpdateContainerResourcesRequest;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import dev.podshim.testing.Containers;
import dev.podshim.testing.HostileMessages;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.Pods;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A hostile run over every CRI method against a real podshimd (issue 18's "Done when"): the
 * request shapes of {@code EveryRpcHostileInputTest} (empty, every field huge or out of range,
 * negative numbers and path strings, raw garbage bytes) for every method, plus the issue's own
 * hostile inputs (a mount over {@code /}, a log directory in the state root, seccomp Localhost
 * profiles /dev/zero, a FIFO and an 80 MB file, the cpu/memory/cpuset values in Create and
 * Update, ExecSync {@code sh -c 'sleep 31; echo'} with timeout 1, bad names), repeated by a few
 * client threads for {@code bench.hostile.requests} requests or {@code bench.hostile.seconds}.
 * Records the gRPC codes per method, every INTERNAL/UNKNOWN with its message, files that appeared
 * outside the state root and log directories, the daemon's threads and RSS (start, peak, 60 s
 * after). Writes {@code daemon/target/bench/hostile-report.md}. Not part of the test suite (tag "bench").
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "podshim.bench", matches = "true")
class HostileRunBenchmark {
  private static final int REQUESTS = Integer.getInteger("bench.hostile.requests", 12000);
  private static final int SECONDS = Integer.getInteger("bench.hostile.seconds", 100);
  private static final int CLIENTS = Integer.getInteger("bench.hostile.clients", 4);

  private final Map<String, Map<String, Long>> table = new TreeMap<>();
  private final Map<String, Long> bad = new TreeMap<>();
  private final AtomicLong total = new AtomicLong();

  /** Above the daemon's inbound message limit: refused while the client is still sending it. */
  private static final int OVERSIZED = 16 << 20;

  /** One client connection over the daemon's socket, with its own event loop. */
  private static final class ClientConnection implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final ManagedChannel channel;
    final RuntimeServiceGrpc.RuntimeServiceBlockingStub stub;

    ClientConnection(Path socket) {
      channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
          .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
      stub = RuntimeServiceGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private record RawCall(MethodDescriptor<byte[], byte[]> method, String shape, byte[] body) {}

  private record Case(String method, String name, Consumer<RuntimeServiceGrpc.RuntimeServiceBlockingStub> call) {}

  @Test
  void measure() throws Exception {
    Prctl.setChildSubreaper();
    Path out = Path.of("target/bench");
    Files.createDirectories(out);
    Path root = Files.createTempDirectory("podshim-hostile");
    Path logs = root.resolve("logs");
    Path hostDir = Files.createDirectories(root.resolve("hostdir"));
    Path files = Files.createDirectories(root.resolve("files"));
    Path fifo = files.resolve("profile.fifo");
    new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor();
    Path big = files.resolve("profile-80mb.json");
    try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(80L << 20);
    }
    Path aFile = files.resolve("a-file");
    Files.writeString(aFile, "x");
    List<String> report = new ArrayList<>();
    long startRss;
    long peakRss;
    long afterRss;
    long hwm;
    long firstRoundRss;
    long secondRoundMillis;
    String startSplit;
    String afterSplit;
    int startThreads;
    int endThreads;
    int after60Threads;
    long runMillis;
    Set2 outside;
    String daemonLog;
    try (ImageTestRegistry registry = ImageTestRegistry.start(root.resolve("registry"));
        DaemonProcess daemon = new DaemonProcess(root.resolve("state"));
        AutoCloseable stopPods = () -> removeAllPods(daemon)) {
      String busybox = registry.pushBusybox("bench/busybox", "1");
      daemon.start();
      daemon.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
      PodSandboxConfig.Builder pod = Pods.hostNetwork("hostile").setLogDirectory(logs.resolve("hostile").toString());
      String podId = daemon.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
      String id = daemon.runtime.createContainer(Containers.create(podId, pod,
          Containers.config("app", busybox, "sleep", "100000").setLogPath("app.log"))).getContainerId();
      daemon.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
      Thread.sleep(2000);
      startRss = SandboxBenchmark.rssKb(daemon.pid());
      startThreads = threads(daemon.pid());
      startSplit = rssSplit(daemon.pid());
      nativeMemory(daemon.pid(), out.resolve("hostile-nmt-start.txt"));
      Snapshot before = Snapshot.take(root);

      AtomicBoolean sampling = new AtomicBoolean(true);
      AtomicLong peak = new AtomicLong(startRss);
      Thread sampler = Thread.ofPlatform().daemon().start(() -> {
        while (sampling.get()) {
          peak.accumulateAndGet(SandboxBenchmark.rssKb(daemon.pid()), Math::max);
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      });

      List<RawCall> rawCalls = rawCalls();
      List<Case> cases = cases(podId, id, pod, busybox, logs, daemon.root, hostDir, aFile);
      List<Case> once = onceCases(id, pod, podId, busybox, fifo, big);
      long t0 = System.nanoTime();
      round(daemon, rawCalls, cases, once, REQUESTS);
      runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      cleanUp(daemon, podId, id);
      endThreads = threads(daemon.pid());
      awaitSince(t0 + TimeUnit.MILLISECONDS.toNanos(runMillis), 60);
      firstRoundRss = SandboxBenchmark.rssKb(daemon.pid());
      // the same again: what the first round left that a second does not add to is the JVM's
      // one-time cost (compiled code, loaded classes), not memory kept per burst
      long t1 = System.nanoTime();
      round(daemon, rawCalls, cases, once, 2 * REQUESTS);
      cleanUp(daemon, podId, id);
      awaitSince(System.nanoTime(), 60);
      sampling.set(false);
      sampler.join();
      secondRoundMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) - 60_000;
      afterRss = SandboxBenchmark.rssKb(daemon.pid());
      afterSplit = rssSplit(daemon.pid());
      nativeMemory(daemon.pid(), out.resolve("hostile-nmt-after.txt"));
      after60Threads = threads(daemon.pid());
      peakRss = peak.get();
      hwm = field(daemon.pid(), "VmHWM:");
      outside = before.diff(Snapshot.take(root));
      daemonLog = daemon.log();
      Files.writeString(out.resolve("hostile-daemon.log"), daemonLog);
    } finally {
      Children.reapExited();
      deleteUnlessMounted(root);
    }

    report.add("# Hostile run over every RPC, " + Instant.now());
    report.add("");
    report.add("JVM flags: `" + System.getProperty("bench.jvmOpts", "") + "`; " + Runtime.getRuntime().availableProcessors()
        + " cores; " + CLIENTS + " client threads.");
    long internal = bad.values().stream().mapToLong(Long::longValue).sum();
    report.add("");
    report.add("| figure | value |");
    report.add("|---|---|");
    report.add("| requests (first round) | " + REQUESTS + " in " + runMillis + " ms |");
    long answered = daemonLog.lines().filter(l -> l.contains("code=\"INTERNAL\"") || l.contains("code=\"UNKNOWN\"")).count();
    report.add("| INTERNAL / UNKNOWN seen by the clients | " + internal + " |");
    report.add("| INTERNAL / UNKNOWN answered by the daemon (its rpc log) | " + answered + " |");
    report.add("| files outside state root, run dir, log dirs | " + outside.count() + " |");
    report.add("| daemon threads: start / right after / 60 s after the second round | " + startThreads + " / " + endThreads + " / "
        + after60Threads + " |");
    report.add("| RSS MiB: start / peak (100 ms samples; VmHWM) / 60 s after | " + mib(startRss) + " / " + mib(peakRss)
        + " (" + mib(hwm) + ") / " + mib(firstRoundRss) + " |");
    report.add("| RSS MiB 60 s after a second round of the same (" + REQUESTS + " more requests in " + secondRoundMillis
        + " ms) | " + mib(afterRss) + " (" + String.format("%+.1f", (afterRss - firstRoundRss) / 1024.0)
        + " over the first round's) |");
    report.add("| RSS split (anon / file / shmem MiB): start; 60 s after the second round | " + startSplit + "; " + afterSplit + " |");
    report.add("");
    report.add("## gRPC codes per method, both rounds");
    report.add("");
    TreeSet<String> codes = new TreeSet<>();
    table.values().forEach(m -> codes.addAll(m.keySet()));
    report.add("| method | " + String.join(" | ", codes) + " |");
    report.add("|---" + "|---".repeat(codes.size()) + "|");
    table.forEach((m, counts) -> {
      StringBuilder row = new StringBuilder("| " + m);
      for (String code : codes) {
        row.append(" | ").append(counts.getOrDefault(code, 0L) == 0 ? "" : counts.get(code));
      }
      report.add(row + " |");
    });
    report.add("");
    report.add("## INTERNAL / UNKNOWN answers (case: code message × count)");
    report.add("");
    if (bad.isEmpty()) {
      report.add("none");
    }
    bad.forEach((k, n) -> report.add("- " + k + " × " + n));
    report.add("");
    report.add("## Files outside the state root, run dir and log directories");
    report.add("");
    report.addAll(outside.lines());
    Files.write(out.resolve("hostile-report.md"), report);
    report.forEach(System.out::println);
  }

  /** Every method in the four shapes of EveryRpcHostileInputTest. */
  private static List<RawCall> rawCalls() {
    List<RawCall> calls = new ArrayList<>();
    for (ServiceDescriptor service : List.of(RuntimeServiceGrpc.getServiceDescriptor(),
        ImageServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        var proto = ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor()).getMethodDescriptor();
        MethodDescriptor<byte[], byte[]> raw = dev.podshim.testing.RawBytes.of(method);
        calls.add(new RawCall(raw, "empty", new byte[0]));
        calls.add(new RawCall(raw, "huge", HostileMessages.everyFieldSet(proto.getInputType(), false).toByteArray()));
        calls.add(new RawCall(raw, "negative", HostileMessages.everyFieldSet(proto.getInputType(), true).toByteArray()));
        calls.add(new RawCall(raw, "garbage", new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 0x01}));
      }
    }
    return calls;
  }

  private void rawCall(ManagedChannel channel, RawCall c) throws Exception {
    long millis = c.method().getType() == MethodDescriptor.MethodType.SERVER_STREAMING ? 300 : 10_000;
    Status status = dev.podshim.testing.RawBytes.call(channel, c.method(), c.body(), millis);
    boolean stream = c.method().getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    Status.Code code = status.getCode() == Status.Code.CANCELLED
        || (stream && status.getCode() == Status.Code.DEADLINE_EXCEEDED) ? Status.Code.OK : status.getCode();
    record(c.method().getBareMethodName(), c.shape(), code, status.getDescription());
  }

  private void run(RuntimeServiceGrpc.RuntimeServiceBlockingStub stub, Case c) {
    try {
      c.call().accept(stub.withDeadlineAfter(20, TimeUnit.SECONDS));
      record(c.method(), c.name(), Status.Code.OK, null);
    } catch (StatusRuntimeException e) {
      record(c.method(), c.name(), e.getStatus().getCode(), e.getStatus().getDescription());
    }
  }

  private synchronized void record(String method, String name, Status.Code code, String message) {
    total.incrementAndGet();
    table.computeIfAbsent(method, m -> new TreeMap<>()).merge(code.name(), 1L, Long::sum);
    if (code == Status.Code.INTERNAL || code == Status.Code.UNKNOWN) {
      String m = message == null ? "" : message.replaceAll("\\s+", " ");
      bad.merge(method + "/" + name + ": " + code + " " + (m.length() > 200 ? m.substring(0, 200) + "…" : m), 1L,
          Long::sum);
    }
  }

  private static ContainerConfig.Builder app(String image, String name) {
    return Containers.config(name, image, "sleep", "100000");
  }

  /** The issue's own hostile inputs, cheap enough to repeat. */
  private static List<Case> cases(String podId, String id, PodSandboxConfig.Builder pod, String image, Path logs,
      Path stateRoot, Path hostDir, Path aFile) {
    List<Case> cases = new ArrayList<>();
    // CreateContainer: a successful create is removed at once
    Map<String, ContainerConfig.Builder> creates = new TreeMap<>();
    creates.put("mount over /", app(image, "m1").addMounts(Mount.newBuilder().setContainerPath("/")
        .setHostPath(hostDir.toString())));
    creates.put("mount over /proc", app(image, "m2").addMounts(Mount.newBuilder().setContainerPath("/proc")
        .setHostPath(hostDir.toString())));
    creates.put("mount over /proc/sysrq-trigger", app(image, "m3").addMounts(Mount.newBuilder()
        .setContainerPath("/proc/sysrq-trigger").setHostPath(aFile.toString())));
    creates.put("no command", Containers.config("nocmd", image));
    creates.put("empty command", Containers.config("emptycmd", image, ""));
    creates.put("directory command", Containers.config("dircmd", image, "/"));
    creates.put("working_dir a file", app(image, "wd").setWorkingDir("/bin/sh"));
    creates.put("log_path into state", app(image, "lp").setLogPath("../../" + stateRoot.getFileName() + "/x.json"));
    creates.put("name /", app(image, "a/b"));
    creates.put("name ..", app(image, ".."));
    creates.put("name newline", app(image, "a\nb"));
    creates.put("name 300", app(image, "n".repeat(300)));
    Map<String, LinuxContainerResources.Builder> resources = resources();
    resources.forEach((k, r) -> {
      ContainerConfig.Builder c = app(image, "r" + Math.abs(k.hashCode()));
      c.getLinuxBuilder().setResources(r);
      creates.put("resources " + k, c);
    });
    creates.forEach((name, config) -> cases.add(new Case("CreateContainer", name, stub -> {
      String created = stub.createContainer(Containers.create(podId, pod, config)).getContainerId();
      stub.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(created).build());
    })));
    resources.forEach((k, r) -> cases.add(new Case("UpdateContainerResources", k, stub ->
        stub.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id).setLinux(r).build()))));
    cases.add(new Case("UpdateContainerResources", "oom_score_adj 5000", stub ->
        stub.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
            .setLinux(LinuxContainerResources.newBuilder().setOomScoreAdj(5000)).build())));
    // RunPodSandbox with its log directory in the state root, and in the run dir
    for (Path dir : List.of(stateRoot, stateRoot.resolve("run"), stateRoot.resolve("sockets"))) {
      cases.add(new Case("RunPodSandbox", "log_directory " + dir, stub -> {
        String p = stub.runPodSandbox(Pods.run(Pods.hostNetwork("evil").setLogDirectory(dir.toString())))
            .getPodSandboxId();
        stub.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p).build());
        stub.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p).build());
      }));
    }
    return cases;
  }

  private static Map<String, LinuxContainerResources.Builder> resources() {
    Map<String, LinuxContainerResources.Builder> r = new TreeMap<>();
    r.put("cpu_shares -1", LinuxContainerResources.newBuilder().setCpuShares(-1));
    r.put("cpu_shares 2^62", LinuxContainerResources.newBuilder().setCpuShares(1L << 62));
    r.put("cpu_period 1", LinuxContainerResources.newBuilder().setCpuPeriod(1).setCpuQuota(100000));
    r.put("cpu_quota 1", LinuxContainerResources.newBuilder().setCpuPeriod(100000).setCpuQuota(1));
    r.put("cpu_quota -5", LinuxContainerResources.newBuilder().setCpuPeriod(100000).setCpuQuota(-5));
    r.put("memory 1", LinuxContainerResources.newBuilder().setMemoryLimitInBytes(1));
    r.put("memory 4096", LinuxContainerResources.newBuilder().setMemoryLimitInBytes(4096));
    r.put("memory -1", LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-1));
    r.put("swap below memory", LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64 << 20)
        .setMemorySwapLimitInBytes(32 << 20));
    r.put("swap -7", LinuxContainerResources.newBuilder().setMemorySwapLimitInBytes(-7));
    r.put("cpuset_cpus 0-99999", LinuxContainerResources.newBuilder().setCpusetCpus("0-99999"));
    r.put("cpuset_cpus 63", LinuxContainerResources.newBuilder().setCpusetCpus("63"));
    r.put("cpuset_mems 7", LinuxContainerResources.newBuilder().setCpusetMems("7"));
    r.put("hugepage 3MB", LinuxContainerResources.newBuilder().addHugepageLimits(HugepageLimit.newBuilder()
        .setPageSize("3MB").setLimit(1 << 21)));
    r.put("unified keys", LinuxContainerResources.newBuilder().putUnified("memory.high", "1")
        .putUnified("../../x", "1"));
    return r;
  }

  /** The slow or heavy ones, run a few times beside the loop. */
  private static List<Case> onceCases(String id, PodSandboxConfig.Builder pod, String podId, String image, Path fifo,
      Path big) {
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      cases.add(new Case("ExecSync", "sh -c 'sleep 31; echo' timeout 1", stub ->
          stub.execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(1)
              .addAllCmd(List.of("sh", "-c", "sleep 31; echo")).build())));
    }
    Map<String, String> profiles = new TreeMap<>();
    profiles.put("seccomp /dev/zero", "/dev/zero");
    profiles.put("seccomp 80 MB file", big.toString());
    profiles.put("seccomp FIFO", fifo.toString());
    profiles.forEach((name, path) -> {
      int times = name.contains("FIFO") ? 1 : 3;
      for (int i = 0; i < times; i++) {
        ContainerConfig.Builder c = app(image, "sc" + i + Math.abs(name.hashCode()));
        c.getLinuxBuilder().getSecurityContextBuilder().setSeccomp(SecurityProfile.newBuilder()
            .setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef(path));
        cases.add(new Case("CreateContainer", name, stub -> {
          String created = stub.withDeadlineAfter(5, TimeUnit.SECONDS)
              .createContainer(Containers.create(podId, pod, c)).getContainerId();
          stub.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(created).build());
        }));
      }
    });
    ContainerConfig.Builder legacy = app(image, "legacyfifo");
    legacy.getLinuxBuilder().getSecurityContextBuilder().setSeccompProfilePath("localhost/" + fifo);
    cases.add(new Case("CreateContainer", "seccomp legacy localhost/FIFO", stub -> {
      String created = stub.withDeadlineAfter(5, TimeUnit.SECONDS)
          .createContainer(Containers.create(podId, pod, legacy)).getContainerId();
      stub.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(created).build());
    }));
    return cases;
  }

  /** Removes what hostile calls may have left: every container but ours, every pod but ours. */
  private static void cleanUp(DaemonProcess daemon, String podId, String id) {
    for (var c : daemon.runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      if (!c.getId().equals(id)) {
        try {
          daemon.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(c.getId()).build());
        } catch (StatusRuntimeException e) {
          System.out.println("cleanup: container " + c.getId() + ": " + e.getStatus());
        }
      }
    }
    for (var p : daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      if (!p.getId().equals(podId)) {
        try {
          daemon.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
          daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        } catch (StatusRuntimeException e) {
          System.out.println("cleanup: pod " + p.getId() + ": " + e.getStatus());
        }
      }
    }
  }

  /**
   * One round: the slow cases once each beside {@link #CLIENTS} clients cycling through every raw
   * shape and case until {@code untilTotal} requests were made in all (or {@link #SECONDS} passed).
   */
  private void round(DaemonProcess daemon, List<RawCall> rawCalls, List<Case> cases, List<Case> once, long untilTotal)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + once.size());
    List<Future<?>> running = new ArrayList<>();
    // the slow ones, beside the loop: their answers take seconds (or never come)
    for (Case slow : once) {
      running.add(pool.submit(() -> run(daemon.runtime, slow)));
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
    for (int c = 0; c < CLIENTS; c++) {
      int offset = c;
      running.add(pool.submit(() -> {
        // a connection per client, as each kubelet has its own: a refused 90 MB request resets only its own
        ClientConnection conn = new ClientConnection(daemon.socket);
        try {
          int i = offset * 7;
          while (total.get() < untilTotal && System.nanoTime() < end) {
            int n = rawCalls.size() + cases.size();
            int k = i++ % n;
            if (k < rawCalls.size()) {
              RawCall raw = rawCalls.get(k);
              rawCall(conn.channel, raw);
              if (raw.body().length > OVERSIZED) {
                // grpc-java's client keeps the unsent rest of a request the server refused (its stream
                // is never reset) until the connection closes: 90 MB per call, GBs over a run
                conn.close();
                conn = new ClientConnection(daemon.socket);
              }
            } else {
              run(conn.stub, cases.get(k - rawCalls.size()));
            }
          }
        } finally {
          conn.close();
        }
        return null;
      }));
    }
    try {
      for (Future<?> f : running) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void awaitSince(long nanos, int seconds) throws InterruptedException {
    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(nanos + TimeUnit.SECONDS.toNanos(seconds) - System.nanoTime())));
  }

  /** Runs last before the daemon is killed, also when the run failed: a pod left running keeps its shm mounted. */
  private static void removeAllPods(DaemonProcess daemon) throws InterruptedException {
    if (!daemon.isAlive()) {
      return;
    }
    for (var p : daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      try {
        daemon.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
      } catch (StatusRuntimeException e) {
        System.out.println("teardown: pod " + p.getId() + ": " + e.getStatus());
      }
    }
    daemon.terminate();
  }

  /** The teardown must not hide the run's own failure: what cannot be deleted is reported, not thrown. */
  private static void deleteUnlessMounted(Path root) {
    try {
      dev.podshim.store.SandboxStore.deleteTree(root);
    } catch (IOException e) {
      System.out.println("teardown: left " + root + " behind: " + e);
    }
  }

  /** Anonymous memory is what the daemon holds; file pages (its jars, libjvm, the AOT cache) the kernel can drop. */
  private static String rssSplit(long pid) {
    return mib(field(pid, "RssAnon:")) + " / " + mib(field(pid, "RssFile:")) + " / " + mib(field(pid, "RssShmem:"));
  }

  /** With -XX:NativeMemoryTracking in bench.jvmOpts, the JVM's own account of its native memory, for finding what stays. */
  private static void nativeMemory(long pid, Path into) throws IOException, InterruptedException {
    if (!System.getProperty("bench.jvmOpts", "").contains("NativeMemoryTracking")) {
      return;
    }
    String level = System.getProperty("bench.jvmOpts").contains("NativeMemoryTracking=detail") ? "detail" : "summary";
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.native_memory", level)
        .redirectErrorStream(true).redirectOutput(into.toFile()).start().waitFor(30, TimeUnit.SECONDS);
    // what the code cache holds, method by method
    new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Compiler.codelist").redirectErrorStream(true)
        .redirectOutput(into.resolveSibling(into.getFileName() + ".codelist").toFile()).start().waitFor(30, TimeUnit.SECONDS);
    // glibc's own account: what its arenas hold in use and free (malloc_info)
    new ProcessBuilder(jcmd.toString(), Long.toString(pid), "System.native_heap_info").redirectErrorStream(true)
        .redirectOutput(into.resolveSibling(into.getFileName() + ".malloc").toFile()).start().waitFor(30, TimeUnit.SECONDS);
    // what NMT does not see (glibc's arenas, memory of native libraries) shows in the mappings
    Files.copy(Path.of("/proc/" + pid + "/smaps"), into.resolveSibling(into.getFileName() + ".smaps"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static int threads(long pid) {
    return (int) field(pid, "Threads:");
  }

  private static long field(long pid, String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  private record Set2(List<String> lines, int count) {}

  /**
   * The files a run could write outside the daemon's own places: the test's temp tree minus the
   * state root (which holds the run dir and sockets), the pods' log directories and the test
   * registry; the top-level entries of /tmp; everything under /var/log/pods.
   */
  private record Snapshot(TreeSet<String> entries) {
    static Snapshot take(Path root) throws IOException {
      TreeSet<String> entries = new TreeSet<>();
      Path state = root.resolve("state");
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(p -> !p.startsWith(state) && !p.startsWith(root.resolve("logs"))
            && !p.startsWith(root.resolve("registry"))).forEach(p -> entries.add("test tree: " + p));
      }
      try (Stream<Path> tmp = Files.list(Path.of("/tmp"))) {
        // what the machine's other writers leave there (Maven's console library, the shell tool's job dirs) is not the daemon's
        tmp.filter(p -> !p.getFileName().toString().matches("jansi-.*|bash_tool_.*"))
            .forEach(p -> entries.add("/tmp: " + p));
      }
      Path pods = Path.of("/var/log/pods");
      if (Files.isDirectory(pods)) {
        try (Stream<Path> walk = Files.walk(pods)) {
          walk.forEach(p -> entries.add("/var/log/pods: " + p));
        }
      }
      return new Snapshot(entries);
    }

    Set2 diff(Snapshot after) {
      List<String> lines = new ArrayList<>();
      for (String e : after.entries()) {
        if (!entries.contains(e)) {
          lines.add("- new: " + e);
        }
      }
      for (String e : entries) {
        if (!after.entries().contains(e)) {
          lines.add("- gone: " + e);
        }
      }
      int count = (int) lines.stream().filter(l -> l.startsWith("- new")).count();
      if (lines.isEmpty()) {
        lines.add("none");
      }
      return new Set2(lines, count);
    }
  }

  private static String mib(long kb) {
    return String.format("%.1f", kb / 1024.0);
  }
}
