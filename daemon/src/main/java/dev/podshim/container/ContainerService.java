package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import dev.podshim.image.ImageService;
import dev.podshim.oci.OciException;
import dev.podshim.oci.OciRuntime;
import dev.podshim.oci.RuntimeHandlers;
import dev.podshim.oci.Signals;
import dev.podshim.sandbox.Clock;
import dev.podshim.os.ExitWatcher;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.ContainerStatus;
import dev.podshim.store.ContainerStore;
import dev.podshim.store.Sandbox;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container lifecycle: CreateContainer builds the rootfs and bundle and starts conmon (which has
 * the runtime create the container), Start/Stop/Remove drive the runtime, conmon's exit records
 * the container's. Every change is persisted before it is answered.
 */
public final class ContainerService {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerService.class);
  /** After SIGKILL only a process stuck in the kernel takes long to go. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  /** The exit code conmon records for a process the kernel's SIGKILL ended, the OOM killer's signal. */
  private static final int SIGKILLED = 128 + Signals.SIGKILL;
  private static final Duration LOG_REOPEN_WAIT = Duration.ofSeconds(5);
  /** runc start returns at once; this only bounds an exit's wait should it hang. */
  private static final Duration START_RECORD_WAIT = Duration.ofSeconds(30);

  private final ContainerStore store;
  private final SandboxService sandboxes;
  private final RuntimeHandlers runtimes;
  private final ContainerNames names = new ContainerNames();
  private final ContainerCreation creation;
  private final ConmonMonitor monitor;
  /** Containers whose StartContainer has not recorded the start yet: their exits wait for it. */
  private final ConcurrentHashMap<String, CountDownLatch> starting = new ConcurrentHashMap<>();
  private final ExecSync execSync;
  private final ContainerStreams streams;
  private final ImageService images;
  private final NodeResources node;
  private final dev.podshim.oci.AppArmor appArmor;
  private final AtomicLong oomKills = new AtomicLong();
  private final OomWatch oomWatch = new OomWatch();

  ContainerService(ContainerStore store, SandboxService sandboxes, ImageService images, RuntimeHandlers runtimes,
      ContainerCreation.Tools tools, ExitWatcher watcher, ScheduledExecutorService timer) {
    this.store = requireNonNull(store, "store");
    this.sandboxes = requireNonNull(sandboxes, "sandboxes");
    this.runtimes = requireNonNull(runtimes, "runtimes");
    this.monitor = new ConmonMonitor(watcher, this::recordExit);
    this.images = requireNonNull(images, "images");
    this.node = tools.host().node();
    this.appArmor = tools.host().appArmor();
    this.creation = new ContainerCreation(store, images, tools, monitor);
    this.execSync = new ExecSync(timer);
    this.streams = new ContainerStreams(tools.conmon(), monitor);
  }

  /** Wires the service to this machine: conmon from PATH, the node's capabilities and cgroups. */
  public static ContainerService create(dev.podshim.config.DaemonConfig config, ContainerStore store,
      SandboxService sandboxes, ImageService images, RuntimeHandlers runtimes, ExitWatcher watcher,
      dev.podshim.oci.AppArmor appArmor) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("podshim-exec-timer").factory());
    ContainerCreation.Tools tools = new ContainerCreation.Tools(
        new dev.podshim.oci.Conmon(Path.of("/usr/bin/conmon"), conmonLogLevel(config.logLevel())),
        HostFacts.read(appArmor), config.cgroupDriver(), config.root().resolve("sockets"),
        dev.podshim.sandbox.ReservedDirs.of(config), new dev.podshim.cdi.CdiRegistry(config.cdiSpecDirs()));
    return new ContainerService(store, sandboxes, images, runtimes, tools, watcher, timer);
  }

  private static String conmonLogLevel(String daemonLevel) {
    return switch (daemonLevel) {
      case "debug", "trace" -> "debug";
      case "warn" -> "warn";
      case "error" -> "error";
      default -> "info";
    };
  }

  /** The node's AppArmor, as containers get it (Status reports it). */
  public dev.podshim.oci.AppArmor appArmor() {
    return appArmor;
  }

  /** CreateContainer: returns the new container's id. */
  public String create(String sandboxIdOrPrefix, ContainerConfig config) {
    Sandbox sandbox = sandboxes.get(sandboxIdOrPrefix);
    if (!sandbox.status().ready()) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          "create container in sandbox " + sandbox.id() + ": the sandbox is not ready");
    }
    OciRuntime runtime = runtimes.get(sandbox.metadata().config().runtimeHandler());
    String name = ContainerNames.nameOf(config, sandbox);
    String id = ContainerNames.newId();
    names.reserve(name, id);
    try {
      Container container = creation.create(id, name, sandbox, config, runtime, targetPidns(config, sandbox));
      LOG.atInfo().addKeyValue("container_id", id).addKeyValue("sandbox_id", sandbox.id())
          .addKeyValue("name", config.name()).log("container created");
      return container.id();
    } catch (RuntimeException e) {
      names.release(name, id);
      throw RuntimeFailures.orPodGone(sandboxes, sandbox, "create container " + id, e);
    } catch (Error e) {
      names.release(name, id);
      throw e;
    }
  }

  private @Nullable Path targetPidns(ContainerConfig config, Sandbox sandbox) {
    if (config.security().namespaces().pid() != dev.podshim.store.SandboxConfig.Mode.TARGET) {
      return null;
    }
    String targetId = config.security().namespaces().targetId();
    Container target = store.find(targetId);
    if (target == null || !target.metadata().sandboxId().equals(sandbox.id())) {
      throw CriException.invalidArgument("config.linux.security_context.namespace_options.target_id: container "
          + targetId + " not found in sandbox " + sandbox.id());
    }
    if (target.status().state() != ContainerStatus.State.RUNNING) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          "target container " + target.id() + " is not running");
    }
    return Path.of("/proc/" + target.status().pid() + "/ns/pid");
  }

  /** StartContainer: only a CREATED container can start. */
  public void start(String idOrPrefix) {
    Container c = lockLive(idOrPrefix);
    try {
      ContainerStatus.State state = c.status().state();
      if (state != ContainerStatus.State.CREATED) {
        throw new CriException(CriException.Kind.FAILED_PRECONDITION,
            "start container " + c.id() + ": it is " + state + ", not CREATED");
      }
      Sandbox sandbox = sandboxes.find(c.metadata().sandboxId());
      if (sandbox == null || !sandbox.status().ready()) {
        // as containerd: a container of a stopped pod would run without its pod's processes
        throw new CriException(CriException.Kind.FAILED_PRECONDITION, "start container " + c.id() + ": sandbox "
            + c.metadata().sandboxId() + " is not ready");
      }
      CountDownLatch recorded = new CountDownLatch(1);
      starting.put(c.id(), recorded);
      oomWatch.watch(c.id(), creation.memoryCgroup(c));
      try {
        runtimes.ofContainer(c.metadata().runtimeHandler()).start(c.id());
        c.updateStatus(s -> s.withStarted(Clock.nowNanos()));
      } catch (OciException e) {
        throw RuntimeFailures.orPodGone(sandboxes, sandbox, "start container " + c.id(),
            RuntimeFailures.of("start container " + c.id(), e));
      } finally {
        starting.remove(c.id(), recorded);
        recorded.countDown();
      }
      LOG.atInfo().addKeyValue("container_id", c.id()).log("container started");
    } finally {
      c.lifecycle().unlock();
    }
  }

  /**
   * StopContainer: the stop signal, then SIGKILL once {@code timeout} passes (at once for zero).
   * Missing or already exited: no-op.
   */
  public void stop(String idOrPrefix, Duration timeout) {
    Container c = store.find(idOrPrefix);
    if (c == null) {
      return;
    }
    c.lifecycle().lock();
    try {
      stopLocked(c, timeout);
    } finally {
      c.lifecycle().unlock();
    }
  }

  private void stopLocked(Container c, Duration timeout) {
    if (c.status().state() == ContainerStatus.State.EXITED || !monitor.watched(c)) {
      return;
    }
    OciRuntime runtime = runtimes.ofContainer(c.metadata().runtimeHandler());
    if (!timeout.isZero() && c.status().state() == ContainerStatus.State.RUNNING) {
      signal(runtime, c, c.metadata().stopSignal());
      if (monitor.awaitExit(c, timeout)) {
        return;
      }
    }
    signal(runtime, c, Signals.SIGKILL);
    if (!monitor.awaitExit(c, KILL_WAIT)) {
      throw new CriException(CriException.Kind.DEADLINE_EXCEEDED,
          "stop container " + c.id() + ": still running " + KILL_WAIT.toSeconds() + "s after SIGKILL");
    }
  }

  private static void signal(OciRuntime runtime, Container c, int signal) {
    try {
      runtime.kill(c.id(), signal, false);
    } catch (OciException e) {
      // it exited meanwhile ("container not running"): the exit is on its way
      LOG.atDebug().addKeyValue("container_id", c.id()).log("kill {}: {}", signal, e.getMessage());
    }
  }

  /** RemoveContainer: kills a live container first; a missing one is fine. */
  public void remove(String idOrPrefix) {
    Container c = store.find(idOrPrefix);
    if (c == null) {
      return;
    }
    c.lifecycle().lock();
    try {
      if (store.find(c.id()) != c) {
        return; // removed by a concurrent call while we waited
      }
      stopLocked(c, Duration.ZERO);
      oomWatch.forget(c.id());
      creation.teardown(c, runtimes.ofContainer(c.metadata().runtimeHandler()));
      names.release(c.metadata().name(), c.id());
      LOG.atInfo().addKeyValue("container_id", c.id()).log("container removed");
    } finally {
      c.lifecycle().unlock();
    }
  }

  /**
   * The container, its lifecycle lock held; NOT_FOUND when it is unknown, still being created,
   * or was removed by a call that held the lock before us.
   */
  private Container lockLive(String idOrPrefix) {
    Container c = get(idOrPrefix);
    c.lifecycle().lock();
    if (store.find(c.id()) != c) {
      c.lifecycle().unlock();
      throw CriException.notFound("container " + idOrPrefix + " not found (removed)");
    }
    return c;
  }

  /** The container with this id or unique prefix; NOT_FOUND otherwise. */
  public Container get(String idOrPrefix) {
    Container c = store.get(idOrPrefix);
    if (!c.status().created()) {
      throw CriException.notFound("container " + idOrPrefix + " not found");
    }
    return c;
  }

  /** The container with this id or unique prefix, created or not; null when there is none. */
  public @org.jspecify.annotations.Nullable Container find(String idOrPrefix) {
    return store.find(idOrPrefix);
  }

  /** Tells {@code observer} of every container status change and removal from now on (container events). */
  public void observe(dev.podshim.store.EntityObserver<? super Container, ? super ContainerStatus> observer) {
    store.observe(observer);
  }

  public List<Container> list(ContainerFilter filter) {
    List<Container> result = new ArrayList<>();
    for (Container c : store.list()) {
      if (matches(c, filter)) {
        result.add(c);
      }
    }
    return result;
  }

  private static boolean matches(Container c, ContainerFilter f) {
    if (!c.status().created()) {
      return false;
    }
    if (!f.idPrefix().isEmpty() && !c.id().startsWith(f.idPrefix())) {
      return false;
    }
    if (!f.sandboxIdPrefix().isEmpty() && !c.metadata().sandboxId().startsWith(f.sandboxIdPrefix())) {
      return false;
    }
    if (f.state() != null && f.state() != c.status().state()) {
      return false;
    }
    Map<String, String> labels = c.metadata().config().labels();
    for (Map.Entry<String, String> want : f.labels().entrySet()) {
      if (!want.getValue().equals(labels.get(want.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** Containers of one sandbox, created or not, for the pod-level stop and remove. */
  List<Container> inSandbox(String sandboxId) {
    return store.list().stream().filter(c -> c.metadata().sandboxId().equals(sandboxId)).toList();
  }

  /** UpdateContainerResources: applied to the live cgroup through the runtime, then recorded. */
  public void updateResources(String idOrPrefix, ContainerConfig.Resources resources) {
    Container c = lockLive(idOrPrefix);
    try {
      ContainerStatus.State state = c.status().state();
      if (state != ContainerStatus.State.RUNNING && state != ContainerStatus.State.CREATED) {
        throw new CriException(CriException.Kind.FAILED_PRECONDITION,
            "update resources of container " + c.id() + ": it is " + state);
      }
      ContainerConfig.Resources merged = ResourceUpdate.merge(c.status().resources() != null
          ? c.status().resources() : c.metadata().config().resources(), resources);
      Path file = c.dir().resolve("resources-update.json");
      try {
        Files.write(file, SpecResources.build("linux", merged, node).toString().getBytes(StandardCharsets.UTF_8));
        runtimes.ofContainer(c.metadata().runtimeHandler()).update(c.id(), file);
      } catch (OciException e) {
        throw RuntimeFailures.of("update resources of container " + c.id(), e);
      } catch (IOException e) {
        throw CriException.internal("update resources of container " + c.id() + ": " + e.getMessage(), e);
      }
      c.updateStatus(s -> s.withResources(merged));
    } finally {
      c.lifecycle().unlock();
    }
  }

  /** ReopenContainerLog: conmon reopens the log file (after kubelet rotated it); returns once it exists. */
  public void reopenLog(String idOrPrefix) {
    Container c = get(idOrPrefix);
    if (c.status().state() != ContainerStatus.State.RUNNING) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          "reopen log of container " + c.id() + ": it is " + c.status().state() + ", not RUNNING");
    }
    requireLogDirectory(c);
    // conmon's control fifo takes "<type> <height> <width>\n"; type 2 reopens the log
    try (OutputStream out = Files.newOutputStream(c.bundle().resolve("ctl"), StandardOpenOption.WRITE)) {
      out.write("2 0 0\n".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw CriException.internal("reopen log of container " + c.id() + ": " + e.getMessage(), e);
    }
    awaitLogFile(c);
  }

  /**
   * conmon exits when it cannot create the reopened log (its container then has no monitor), so a
   * log directory that is gone is refused before conmon is asked, as containerd and CRI-O fail the
   * call rather than recreate it.
   */
  private static void requireLogDirectory(Container c) {
    if (c.metadata().logPath().isEmpty()) {
      return;
    }
    Path dir = Path.of(c.metadata().logPath()).getParent();
    if (!Files.isDirectory(dir)) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION, "reopen log of container " + c.id()
          + ": its log directory " + dir + " does not exist");
    }
  }

  /** conmon reopens on its own loop: kubelet expects the new file to exist when the call returns. */
  private static void awaitLogFile(Container c) {
    if (c.metadata().logPath().isEmpty()) {
      return;
    }
    Path log = Path.of(c.metadata().logPath());
    long deadline = System.nanoTime() + LOG_REOPEN_WAIT.toNanos();
    while (!Files.exists(log)) {
      if (System.nanoTime() > deadline) {
        throw new CriException(CriException.Kind.DEADLINE_EXCEEDED, "reopen log of container " + c.id()
            + ": conmon did not create " + log + " within " + LOG_REOPEN_WAIT.toSeconds() + "s");
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CriException(CriException.Kind.UNAVAILABLE, "reopen log of container " + c.id() + ": interrupted");
      }
    }
  }

  /** ExecSync in a running container. */
  public ExecSync.Result execSync(String idOrPrefix, List<String> cmd, Duration timeout) {
    Container c = get(idOrPrefix);
    if (c.status().state() != ContainerStatus.State.RUNNING) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          "exec in container " + c.id() + ": it is " + c.status().state() + ", not RUNNING");
    }
    try {
      return execSync.run(c, runtimes.ofContainer(c.metadata().runtimeHandler()), cmd, timeout);
    } catch (OciException e) {
      throw ExecSync.failed(c, e);
    }
  }

  /**
   * Exec for the streaming server: starts {@code cmd} in the running container as ExecSync runs
   * it (the container's process spec with the args swapped), under a conmon of its own, and
   * returns once the process runs. With {@code options.tty()} the process gets a terminal (80x24
   * until resized) and its stderr is merged into stdout. Output goes to {@code output} from the
   * session's own thread, one call at a time; stdin is piped when asked for, and {@link
   * ProcessStreams#closeStdin} gives the process end of file (on a terminal it only stops input).
   * {@link ProcessStreams#awaitExit} returns the exit code (128 + signal when killed) after the
   * last output. {@link ProcessStreams#close} before that kills the process and its process group.
   * Blocks for the time conmon and the runtime take to start the process (tens of milliseconds).
   *
   * @throws CriException NOT_FOUND for an unknown container, FAILED_PRECONDITION when it is not
   *     running, INVALID_ARGUMENT for an empty command or a NUL byte in it, INTERNAL when the
   *     runtime cannot start it (no such executable, say) with the runtime's message
   */
  public ProcessStreams exec(String containerId, List<String> cmd, StreamOptions options, OutputSink output) {
    requireNonNull(cmd, "cmd");
    requireNonNull(options, "options");
    requireNonNull(output, "output");
    Container c = running(containerId, "exec in");
    ExecSync.validate(cmd);
    return streams.exec(c, runtimes.ofContainer(c.metadata().runtimeHandler()), cmd, options, output);
  }

  /**
   * Attach for the streaming server: connects to the running container's stdio held by its conmon.
   * Output from the moment of attaching on goes to {@code output} (from the session's thread);
   * stdin reaches the container only when it was created with stdin, and is dropped otherwise.
   * When the container has stdin_once, ending this session's stdin (or the session) closes the
   * container's stdin for good, as conmon does without {@code --leave-stdin-open}. Resize applies
   * to a container created with a tty. {@link ProcessStreams#awaitExit} returns the container's
   * exit code once it has exited; {@link ProcessStreams#close} detaches and leaves it running,
   * after which awaitExit throws IOException unless the container had already exited.
   *
   * @throws CriException NOT_FOUND for an unknown container, FAILED_PRECONDITION when it is not
   *     running or its conmon does not answer
   */
  public ProcessStreams attach(String containerId, StreamOptions options, OutputSink output) {
    requireNonNull(options, "options");
    requireNonNull(output, "output");
    return streams.attach(running(containerId, "attach to"), options, output);
  }

  private Container running(String idOrPrefix, String what) {
    Container c = get(requireNonNull(idOrPrefix, "containerId"));
    if (c.status().state() != ContainerStatus.State.RUNNING) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          what + " container " + c.id() + ": it is " + c.status().state() + ", not RUNNING");
    }
    return c;
  }

  /**
   * Records an exit from conmon's files; runs once conmon is gone. A container that exits at once
   * can be gone before StartContainer has recorded its start: the exit waits for that, so its
   * status (and the events kubelet's evented PLEG reads) goes CREATED, RUNNING, EXITED in order.
   */
  private void recordExit(Container c) {
    CountDownLatch start = starting.get(c.id());
    if (start != null) {
      try {
        start.await(START_RECORD_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ContainerExits.Exit exit = ContainerExits.read(c.dir(), creation.memoryCgroup(c));
    if (exit != null && !exit.oomKilled() && oomWatch.killed(c.id(), exit.exitCode() == SIGKILLED)) {
      exit = exit.oomKilled(true); // the cgroup, and its count, went before the exit was reported
    }
    oomWatch.forget(c.id());
    String message = ContainerExits.terminationMessage(c.metadata());
    if (exit == null) {
      c.updateStatus(s -> s.withExit(Clock.nowNanos(), 255, "Error",
          message.isEmpty() ? "conmon exited without recording the container's exit" : message));
    } else {
      if (exit.oomKilled()) {
        oomKills.incrementAndGet();
      }
      ContainerExits.Exit recorded = exit;
      c.updateStatus(s -> s.withExit(recorded.atNanos(), recorded.exitCode(), recorded.reason(), message));
    }
    LOG.atInfo().addKeyValue("container_id", c.id()).addKeyValue("exit_code", c.status().exitCode())
        .addKeyValue("reason", c.status().reason()).log("container exited");
  }

  /** conmon processes alive and watched, for metrics. */
  public int conmonsAlive() {
    return monitor.alive();
  }

  /**
   * Walks the container's writable layer now (a stat per file: callers cache it); empty when the
   * container has no snapshot.
   */
  public java.util.Optional<dev.podshim.image.ImageFilesystem.Usage> measureWritableLayer(String containerId) {
    return images.filesystem().writableLayerUsage(containerId);
  }

  /** OOM kills seen since start-up, for metrics. */
  public long oomKills() {
    return oomKills.get();
  }

  /** Start-up: see {@link ContainerRecovery}. */
  public ContainerRecovery.Result recover() {
    ContainerRecovery.Result result =
        new ContainerRecovery(store, runtimes, creation, monitor, names, this::recordExit).recover();
    for (Container c : store.list()) {
      if (c.status().state() == ContainerStatus.State.RUNNING) {
        oomWatch.watch(c.id(), creation.memoryCgroup(c));
      }
    }
    return result;
  }

  /** The pod's containers, stopped at once; for StopPodSandbox. */
  void stopAllIn(String sandboxId) {
    for (Container c : inSandbox(sandboxId)) {
      stop(c.id(), Duration.ZERO);
    }
  }

  /** The pod's containers, removed; for RemovePodSandbox. */
  void removeAllIn(String sandboxId) {
    for (Container c : inSandbox(sandboxId)) {
      remove(c.id());
    }
  }
}
