package dev.podshim;

import static java.util.Objects.requireNonNull;

import dev.podshim.api.ContainerEvents;
import dev.podshim.api.ImageServiceImpl;
import dev.podshim.api.RuntimeServiceImpl;
import dev.podshim.image.ImageService;
import dev.podshim.config.CgroupDriver;
import dev.podshim.config.DaemonConfig;
import dev.podshim.container.ContainerService;
import dev.podshim.container.PodLifecycle;
import dev.podshim.metrics.ContainerMetrics;
import dev.podshim.oci.AppArmor;
import dev.podshim.oci.KernelAppArmor;
import dev.podshim.oci.RuntimeHandlers;
import dev.podshim.store.ContainerStore;
import dev.podshim.metrics.MetricsServer;
import dev.podshim.metrics.ProcessMetrics;
import dev.podshim.metrics.SandboxMetrics;
import dev.podshim.network.PodNetwork;
import dev.podshim.os.ExitWatcher;
import dev.podshim.os.Prctl;
import dev.podshim.os.SdNotify;
import dev.podshim.sandbox.PauseLauncher;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.SandboxStore;
import dev.podshim.streaming.NodeBackend;
import dev.podshim.streaming.StreamingServer;
import dev.podshim.transport.EventLoops;
import dev.podshim.transport.GrpcServer;
import dev.podshim.transport.ReadinessGate;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the daemon with constructors, binds the socket (answering UNAVAILABLE), recovers every
 * sandbox, then opens the gate and tells systemd it is ready. The state files are read on threads
 * of their own while the rest is wired ({@link dev.podshim.store.EntityStore#readAhead}): on a
 * node with pods that reading is most of a restart.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  private static final long SHUTDOWN_GRACE_SECONDS = 30;

  private final DaemonConfig config;
  private final PrometheusMeterRegistry registry = MetricsServer.newRegistry();
  private final ReadinessGate gate = new ReadinessGate();
  private @Nullable ExitWatcher exitWatcher;
  private @Nullable GrpcServer grpc;
  private @Nullable MetricsServer metrics;
  private @Nullable ScheduledExecutorService watchdog;
  private @Nullable SandboxService sandboxes;
  private @Nullable PodNetwork network;
  private @Nullable StateRootLock rootLock;
  private @Nullable ContainerEvents events;
  private @Nullable StreamingServer streaming;
  /** Made on a thread of its own at start: Netty's set-up (≈ 40-60 ms) needs nothing else. */
  private final FutureTask<EventLoops> loops = new FutureTask<>(EventLoops::new);

  public Daemon(DaemonConfig config) {
    this.config = requireNonNull(config, "config");
  }

  /**
   * Starts serving; returns once the daemon is ready.
   *
   * @throws StateRootLock.InUseException before touching the root or the socket, when another
   *     daemon runs on this state root
   */
  public void start() throws IOException {
    if (config.cgroupDriver() == CgroupDriver.SYSTEMD && !Files.isDirectory(Path.of("/run/systemd/system"))) {
      // refused before the first pod: runc, crun and pause's scope all need systemd's D-Bus API
      throw new IOException("cgroup_driver = \"systemd\" needs systemd as PID 1, and this node has no"
          + " /run/systemd/system: set cgroup_driver = \"cgroupfs\"");
    }
    Path root = config.root();
    Files.createDirectories(root);
    rootLock = StateRootLock.acquire(root);
    Thread.ofPlatform().daemon().name("netty-setup").start(loops);
    Prctl.setChildSubreaper();
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    Path pauseBinary = PauseLauncher.installBinary(root);

    SandboxStore store = new SandboxStore(root);
    ContainerStore containerStore = new ContainerStore(root);
    store.readAhead();
    containerStore.readAhead();
    exitWatcher = new ExitWatcher();
    network = PodNetwork.create(config, registry);
    sandboxes = SandboxService.create(config, store, exitWatcher, pauseBinary, network);

    ImageService images = ImageService.open(root, config.registry());
    RuntimeHandlers runtimes = RuntimeHandlers.of(root, config.runtimeHandlers(),
        config.cgroupDriver() == CgroupDriver.SYSTEMD, config.defaultRuntime());
    ContainerService containers = ContainerService.create(config, containerStore, sandboxes, images,
        runtimes, exitWatcher, AppArmor.start(KernelAppArmor.host(), root.resolve("apparmor")));
    images.metrics().bindTo(registry);
    new ProcessMetrics().bindTo(registry);
    new SandboxMetrics(sandboxes).bindTo(registry);
    new ContainerMetrics(containers).bindTo(registry);
    EventLoops eventLoops = made(loops);
    if (!config.metricsAddress().isEmpty()) {
      metrics = new MetricsServer(config.metricsAddress(), registry, eventLoops.group());
      metrics.start();
    }

    events = ContainerEvents.watching(sandboxes, containers, registry);
    streaming = new StreamingServer(config.streaming(), eventLoops, new NodeBackend(containers, sandboxes), registry);
    streaming.start();
    grpc = new GrpcServer(config.socket(), eventLoops,
        List.of(new RuntimeServiceImpl(Version.current(), config, network, sandboxes, containers,
            new PodLifecycle(sandboxes, containers), runtimes, events, streaming, registry),
            new ImageServiceImpl(images)),
        gate, registry);
    grpc.start();
    LOG.atInfo().addKeyValue("socket", config.socket()).addKeyValue("root", root)
        .log("listening; recovering state before serving");

    long begin = System.nanoTime();
    var result = sandboxes.recover(pauseBinary.getParent());
    var recovered = containers.recover();
    long took = System.nanoTime() - begin;
    Timer.builder("podshim.recovery.duration").description("time to recover state at start-up")
        .register(registry).record(took, TimeUnit.NANOSECONDS);
    LOG.atInfo().addKeyValue("ready", result.ready()).addKeyValue("notready", result.notReady())
        .addKeyValue("torn_down", result.tornDown()).addKeyValue("unreadable", result.unreadable())
        .addKeyValue("orphans_killed", result.orphansKilled())
        .addKeyValue("duration_ms", String.format("%.1f", took / 1e6)).log("recovered sandboxes");
    LOG.atInfo().addKeyValue("running", recovered.running()).addKeyValue("exited", recovered.exited())
        .addKeyValue("torn_down", recovered.tornDown()).addKeyValue("unreadable", recovered.unreadable())
        .log("recovered containers");

    gate.open();
    grpc.serving();
    SdNotify.notify("READY=1\nSTATUS=serving CRI on " + config.socket());
    startWatchdog();
    LOG.atInfo().addKeyValue("version", Version.current())
        .addKeyValue("metrics", metrics == null ? "off" : config.metricsAddress())
        .addKeyValue("streaming", streaming.baseUrl())
        .addKeyValue("startup_ms", ManagementFactory.getRuntimeMXBean().getUptime()).log("podshimd ready");
  }

  private static EventLoops made(FutureTask<EventLoops> loops) throws IOException {
    try {
      return loops.get();
    } catch (ExecutionException e) {
      throw new IOException("Netty event loops: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the event loops", e);
    }
  }

  private void startWatchdog() {
    OptionalLong micros = SdNotify.watchdogIntervalMicros();
    if (micros.isEmpty()) {
      return;
    }
    long periodMicros = Math.max(micros.getAsLong() / 2, 100_000);
    watchdog = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("watchdog").factory());
    watchdog.scheduleAtFixedRate(() -> SdNotify.notify("WATCHDOG=1"), 0, periodMicros, TimeUnit.MICROSECONDS);
  }

  /** Bound metrics port, for tests that configure port 0. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  /**
   * Clean shutdown: stop accepting, let in-flight calls finish, release the socket, then the state
   * root. State is already on disk (every change is persisted before it is answered) and pods keep
   * running.
   */
  @Override
  public void close() {
    SdNotify.notify("STOPPING=1");
    if (watchdog != null) {
      watchdog.shutdownNow();
    }
    if (events != null) {
      events.close(); // event streams would otherwise hold the server's shutdown for its whole grace period
    }
    if (grpc != null) {
      try {
        grpc.shutdown(SHUTDOWN_GRACE_SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (streaming != null) {
      streaming.close(); // exec'ed commands are killed, attaches detach; containers keep running
    }
    if (metrics != null) {
      metrics.stop();
    }
    if (loops.isDone()) {
      try {
        made(loops).close();
      } catch (IOException e) {
        // never made: nothing to close
      }
    }
    if (network != null) {
      network.close();
    }
    if (exitWatcher != null) {
      exitWatcher.close();
    }
    if (rootLock != null) {
      try {
        rootLock.close();
      } catch (IOException e) {
        LOG.atWarn().addKeyValue("root", config.root()).log("release state root lock: {}", e.toString());
      }
    }
    LOG.info("podshimd stopped; pods keep running");
  }
}
