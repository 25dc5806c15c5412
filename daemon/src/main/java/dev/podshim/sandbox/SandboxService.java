package dev.podshim.sandbox;

import static java.util.Objects.requireNonNull;

import dev.podshim.config.DaemonConfig;
import dev.podshim.errors.Cleanup;
import dev.podshim.errors.CriException;
import dev.podshim.network.PodNetwork;
import dev.podshim.os.ExitWatcher;
import dev.podshim.os.Pidfd;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxConfig;
import dev.podshim.store.SandboxMetadata;
import dev.podshim.store.SandboxStore;
import dev.podshim.store.StateFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod sandbox lifecycle: one pause process per sandbox owning the pod's namespaces, pinned by
 * bind mounts under the sandbox directory, placed in the pod cgroup, persisted before answering.
 */
public final class SandboxService {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxService.class);

  /** Parent cgroup dirs a RunPodSandbox in progress is about to create; see recordNewCgroupParents. */
  private static final String NEW_CGROUP_PARENTS = "new-cgroup-parents.json";

  private final SandboxStore store;
  private final SandboxConfigValidator validator;
  private final Sysctls sysctls;
  private final SandboxFiles files;
  private final PauseLauncher launcher;
  private final PauseSupervisor supervisor;
  private final PodCgroups cgroups;
  private final SandboxNetworking networking;
  private final Reservations reservations = new Reservations();
  private final Duration stopTimeout;
  private final UserNamespaceSupport userNamespaces;
  /** How long a retried RunPodSandbox waits for the first attempt with the same name. */
  private static final Duration RETRY_WAIT = Duration.ofMinutes(4);

  SandboxService(SandboxStore store, SandboxConfigValidator validator, Sysctls sysctls, SandboxFiles files,
      PauseLauncher launcher, PauseSupervisor supervisor, PodCgroups cgroups, SandboxNetworking networking,
      Duration stopTimeout, UserNamespaceSupport userNamespaces) {
    this.userNamespaces = requireNonNull(userNamespaces, "userNamespaces");
    this.store = requireNonNull(store, "store");
    this.validator = requireNonNull(validator, "validator");
    this.sysctls = requireNonNull(sysctls, "sysctls");
    this.files = requireNonNull(files, "files");
    this.launcher = requireNonNull(launcher, "launcher");
    this.supervisor = requireNonNull(supervisor, "supervisor");
    this.cgroups = requireNonNull(cgroups, "cgroups");
    this.networking = requireNonNull(networking, "networking");
    this.stopTimeout = requireNonNull(stopTimeout, "stopTimeout");
  }

  /** Wires the service to this machine: /proc, the mounted cgroup hierarchies, the node's DNS files. */
  public static SandboxService create(DaemonConfig config, SandboxStore store, ExitWatcher watcher, Path pauseBinary,
      PodNetwork network) throws IOException {
    PodCgroups cgroups = new PodCgroups(config.cgroupDriver(), PodCgroups.mounted(Path.of("/proc/self/mountinfo")));
    Sysctls sysctls = new Sysctls(Path.of("/proc/sys"));
    UserNamespaceSupport userNamespaces = UserNamespaceSupport.probe(pauseBinary, config.root(),
        config.runtimeHandlers(), config.defaultRuntime());
    return new SandboxService(store,
        new SandboxConfigValidator(sysctls, cgroups, runtimeHandlers(config), ReservedDirs.of(config),
            userNamespaces),
        sysctls,
        new SandboxFiles(Path.of("/etc/resolv.conf"), Path.of("/etc/hosts")),
        new PauseLauncher(pauseBinary),
        new PauseSupervisor(watcher),
        cgroups,
        new SandboxNetworking(network),
        Duration.ofSeconds(config.stopTimeoutSeconds()), userNamespaces);
  }

  /** Which runtime handlers can run pods with a user namespace of their own here. */
  public UserNamespaceSupport userNamespaces() {
    return userNamespaces;
  }

  /** The runtime handlers a sandbox may name: the configured ones, and "" for the default one. */
  private static Set<String> runtimeHandlers(DaemonConfig config) {
    Set<String> names = new java.util.TreeSet<>(config.runtimeHandlers().keySet());
    names.add("");
    return Set.copyOf(names);
  }

  /** RunPodSandbox: returns the new sandbox's id, or the existing one for a retried identical request. */
  public String run(SandboxConfig config) {
    validator.validate(config);
    String name = SandboxNames.nameOf(config.metadata());
    while (true) {
      Reservations.Reservation existing = reservations.reserve(name, config);
      if (existing == null) {
        return createReserved(name, config);
      }
      if (!existing.config().equals(config)) {
        throw new CriException(CriException.Kind.ALREADY_EXISTS,
            "sandbox name " + name + " is already reserved with a different config");
      }
      String id;
      try {
        id = existing.id().get(RETRY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | CancellationException e) {
        continue; // the first attempt failed and released the name: try again ourselves
      } catch (TimeoutException e) {
        throw new CriException(CriException.Kind.DEADLINE_EXCEEDED, "sandbox name " + name
            + " is still being created by an earlier RunPodSandbox after " + RETRY_WAIT.toSeconds() + "s; retry later");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CriException(CriException.Kind.UNAVAILABLE, "interrupted waiting for sandbox " + name);
      }
      Sandbox same = store.find(id);
      if (same != null && same.status().ready()) {
        return id;
      }
      throw new CriException(CriException.Kind.ALREADY_EXISTS,
          "sandbox name " + name + " is reserved by sandbox " + id + ", which is not ready");
    }
  }

  private String createReserved(String name, SandboxConfig config) {
    String id = SandboxNames.newId();
    try {
      create(id, name, config);
      reservations.owned(name).id().complete(id);
      return id;
    } catch (RuntimeException | Error e) {
      // any Throwable releases the name, or a retry would wait on it for ever
      reservations.fail(name, e);
      throw e;
    }
  }

  private void create(String id, String name, SandboxConfig config) {
    String cgroupPath = cgroups.pathFor(config.cgroupParent(), id);
    try (Cleanup cleanup = new Cleanup("run sandbox " + id)) {
      Sandbox sandbox = store.create(new SandboxMetadata(id, name, config, Clock.nowNanos(), cgroupPath));
      cleanup.push("remove sandbox directory", () -> store.delete(sandbox));
      sandbox.lifecycle().lock();
      try {
        writeFiles(sandbox, config);
        createLogDirectory(config.logDirectory(), cleanup);
        if (!config.namespaces().hostIpc()) {
          PodShm.mount(sandbox.dir());
          cleanup.push("unmount pod shm", () -> PodShm.unmount(sandbox.dir()));
        }

        recordNewCgroupParents(sandbox, cgroups.missingParents(cgroupPath));
        List<String> cgroupDirs = cgroups.create(cgroupPath);
        cleanup.push("remove cgroups", () -> cgroups.remove(cgroupDirs));
        PauseProcess pause = launcher.launch(pauseSpec(id, config));
        // the undo exists as soon as the process does: kill and reap it even if watching fails
        Pidfd pidfd = Pidfd.open(pause.pid());
        cleanup.push("kill pause " + pause.pid(), () -> supervisor.kill(sandbox, pidfd));
        supervisor.watch(sandbox, pidfd);

        cleanup.push("unpin namespaces", () -> NamespacePins.unpinAll(sandbox.nsDir()));
        List<Namespace> namespaces = namespacesOf(config);
        for (Namespace ns : namespaces) {
          NamespacePins.pin(pause.pid(), ns, sandbox.nsDir());
        }
        cgroups.attach(cgroupPath, pause.pid());
        networking.attach(sandbox, cleanup);
        if (namespaces.contains(Namespace.NET)) {
          Path netns = sandbox.nsDir().resolve(Namespace.NET.procName());
          sysctls.applyInPodNetwork(netns, Sysctls.afterNetwork(config.sysctls()));
        }

        // One status write, at the end. A crash before it is undone by recovery, which tears down
        // every sandbox not marked created: the scan of pause binaries kills the unclaimed pause,
        // the pins live in the sandbox directory, the leaf cgroup is derived from meta.json, and
        // network.json says whether CNI ADD started.
        sandbox.updateStatus(s -> s.withCgroupDirs(cgroupDirs).withPause(pause.pid(), pause.startTime()).asCreated());
        cleanup.commit();
      } finally {
        sandbox.lifecycle().unlock();
      }
    }
  }

  private void writeFiles(Sandbox sandbox, SandboxConfig config) {
    try {
      files.write(sandbox.dir(), config, nodeHostname());
    } catch (IOException e) {
      throw CriException.internal("write sandbox files for " + sandbox.id() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Status is written once, at the end of RunPodSandbox; a crash before that must still let
   * recovery remove cgroup parents this sandbox made. Nothing is written in the usual case
   * (kubelet made the parent), so the fast path stays one state write.
   */
  private static void recordNewCgroupParents(Sandbox sandbox, List<String> dirs) {
    if (!dirs.isEmpty()) {
      StateFile.write(sandbox.dir().resolve(NEW_CGROUP_PARENTS), new NewCgroupParents(dirs));
    }
  }

  private record NewCgroupParents(List<String> dirs) {}

  private static List<String> recordedCgroupParents(Sandbox sandbox) {
    Path file = sandbox.dir().resolve(NEW_CGROUP_PARENTS);
    try {
      return Files.exists(file) ? StateFile.read(file, NewCgroupParents.class).dirs() : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file, e);
    }
  }

  /** kubelet usually makes the log directory; create it (and only undo what we made) when missing. */
  private static void createLogDirectory(String logDirectory, Cleanup cleanup) {
    if (logDirectory.isEmpty()) {
      return;
    }
    Path dir = Path.of(logDirectory);
    List<Path> made = new ArrayList<>();
    for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
      made.addFirst(p);
    }
    try {
      for (Path p : made) {
        Files.createDirectory(p);
        cleanup.push("remove log directory " + p, () -> Files.deleteIfExists(p));
      }
    } catch (IOException e) {
      throw CriException.internal("create log directory " + dir + ": " + e.getMessage(), e);
    }
  }

  public static List<Namespace> namespacesOf(SandboxConfig config) {
    List<Namespace> result = new ArrayList<>();
    if (!config.namespaces().hostNetwork()) {
      result.add(Namespace.NET);
      result.add(Namespace.UTS);
    }
    if (!config.namespaces().hostIpc()) {
      result.add(Namespace.IPC);
    }
    if (config.namespaces().pid() == SandboxConfig.Mode.POD) {
      result.add(Namespace.PID);
    }
    if (config.userNamespace() != null) {
      result.add(Namespace.USER);
    }
    return result;
  }

  private static PauseSpec pauseSpec(String id, SandboxConfig config) {
    List<Namespace> ns = namespacesOf(config);
    String hostname = ns.contains(Namespace.UTS) && !config.hostname().isEmpty() ? config.hostname() : null;
    return new PauseSpec(ns.contains(Namespace.NET), ns.contains(Namespace.IPC), ns.contains(Namespace.UTS),
        ns.contains(Namespace.PID), hostname, Sysctls.beforeNetwork(config.sysctls()), config.userNamespace());
  }

  private static String nodeHostname() throws IOException {
    // /proc/sys files answer only a first short read: read them line-wise
    return Files.readAllLines(Path.of("/proc/sys/kernel/hostname")).getFirst().trim();
  }

  /**
   * StopPodSandbox: CNI DEL, then pause gets SIGTERM and SIGKILL after the stop timeout. Missing or
   * stopped: no-op. A DEL that keeps failing fails the call, so that kubelet retries it.
   */
  public void stop(String idOrPrefix) {
    Sandbox sandbox = store.find(idOrPrefix);
    if (sandbox == null) {
      return;
    }
    sandbox.lifecycle().lock();
    try {
      if (store.find(sandbox.id()) != sandbox) {
        return; // removed by a concurrent RemovePodSandbox while we waited: nothing left to stop
      }
      networking.detach(sandbox);
      supervisor.stop(sandbox, stopTimeout);
      sandbox.updateStatus(s -> s.withStopped(Clock.nowNanos()));
    } finally {
      sandbox.lifecycle().unlock();
    }
  }

  /**
   * UpdatePodSandboxResources: kubelet has resized the pod's cgroup already (in-place resize); the
   * limits are written into it again, so that a pod whose cgroup podshim made gets them too, and
   * kept in the sandbox's status. A pod without a cgroup parent only keeps them.
   *
   * @throws CriException NOT_FOUND for an unknown sandbox, FAILED_PRECONDITION when it is not ready
   */
  public void updateResources(String idOrPrefix, dev.podshim.store.PodResources resources) {
    Sandbox sandbox = get(idOrPrefix);
    sandbox.lifecycle().lock();
    try {
      if (!sandbox.status().ready()) {
        throw new CriException(CriException.Kind.FAILED_PRECONDITION,
            "update resources of sandbox " + sandbox.id() + ": it is not ready");
      }
      String podPath = cgroups.podPath(sandbox.metadata().config().cgroupParent());
      try {
        cgroups.applyPodLimits(podPath, resources);
      } catch (IOException e) {
        // the kernel refuses e.g. a memory limit below what the pod already uses
        throw new CriException(CriException.Kind.FAILED_PRECONDITION,
            "update resources of sandbox " + sandbox.id() + ": cgroup " + podPath + ": " + e.getMessage());
      }
      sandbox.updateStatus(s -> s.withPodResources(resources));
    } finally {
      sandbox.lifecycle().unlock();
    }
  }

  /** RemovePodSandbox: stops if needed, unpins every namespace, removes cgroups, state and name. */
  public void remove(String idOrPrefix) {
    Sandbox sandbox = store.find(idOrPrefix);
    if (sandbox == null) {
      return;
    }
    sandbox.lifecycle().lock();
    try {
      if (store.find(sandbox.id()) != sandbox) {
        return; // removed by a concurrent call while we waited
      }
      networking.detachForRemoval(sandbox);
      supervisor.stop(sandbox, Duration.ZERO);
      teardown(sandbox);
      reservations.release(sandbox.metadata().name());
    } finally {
      sandbox.lifecycle().unlock();
    }
  }

  /** Releases everything a sandbox holds on the node; pause is already dead. */
  private void teardown(Sandbox sandbox) {
    NamespacePins.unpinAll(sandbox.nsDir());
    PodShm.unmount(sandbox.dir());
    cgroups.remove(sandbox.status().createdCgroupDirs());
    store.delete(sandbox);
  }

  public Sandbox get(String idOrPrefix) {
    return store.get(idOrPrefix);
  }

  /** The sandbox with this id or unique prefix; null when there is none. */
  public @Nullable Sandbox find(String idOrPrefix) {
    return store.find(idOrPrefix);
  }

  /** Tells {@code observer} of every sandbox status change and removal from now on (container events). */
  public void observe(dev.podshim.store.EntityObserver<? super Sandbox, ? super dev.podshim.store.SandboxStatus> observer) {
    store.observe(observer);
  }

  /**
   * PortForward: a connected TCP channel to 127.0.0.1:{@code port} in the pod's network namespace
   * (the host's for a host-network pod), blocking, usable from any thread.
   *
   * @throws java.net.ConnectException when nothing listens on the port
   * @throws CriException NOT_FOUND for an unknown sandbox, FAILED_PRECONDITION when it is not
   *     ready, INVALID_ARGUMENT for a port outside 1-65535
   */
  public java.nio.channels.SocketChannel dialPort(String podSandboxId, int port) throws IOException {
    PortDialer.checkPort(port);
    return PortDialer.dial(get(requireNonNull(podSandboxId, "podSandboxId")), port);
  }

  /** The pod's IPs from its CNI attachment, primary first; empty for host network. */
  public List<String> ips(Sandbox sandbox) {
    return networking.ips(sandbox.id());
  }

  public List<Sandbox> list(SandboxFilter filter) {
    List<Sandbox> result = new ArrayList<>();
    for (Sandbox s : store.list()) {
      if (matches(s, filter)) {
        result.add(s);
      }
    }
    return result;
  }

  private static boolean matches(Sandbox s, SandboxFilter f) {
    if (!f.idPrefix().isEmpty() && !s.id().startsWith(f.idPrefix())) {
      return false;
    }
    if (!s.status().created()) {
      return false;
    }
    if (f.ready() != null && f.ready() != s.status().ready()) {
      return false;
    }
    Map<String, String> labels = s.metadata().config().labels();
    for (Map.Entry<String, String> want : f.labels().entrySet()) {
      if (!want.getValue().equals(labels.get(want.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** Number of pause processes alive under watch, for metrics. */
  public int pausesAlive() {
    return supervisor.alive();
  }

  /**
   * Start-up: re-attaches to every sandbox on disk, marks NOTREADY those whose pause is gone or was
   * replaced by another process, tears down sandboxes whose RunPodSandbox never finished, and kills
   * pause processes no sandbox claims (a crash between spawn and persist).
   */
  public SandboxRecovery.Result recover(Path pauseBinaryDir) {
    SandboxRecovery.Result result =
        new SandboxRecovery(store, supervisor, reservations, this::teardownIncomplete).recover(pauseBinaryDir);
    networking.reload(store.list());
    return result;
  }

  private void teardownIncomplete(Sandbox sandbox) {
    networking.detachForRemoval(sandbox);
    supervisor.stop(sandbox, Duration.ZERO);
    cgroups.removeLeaf(sandbox.metadata().cgroupPath());
    cgroups.remove(recordedCgroupParents(sandbox));
    teardown(sandbox);
  }
}
