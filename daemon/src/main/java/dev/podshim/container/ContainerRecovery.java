package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import dev.podshim.oci.OciRuntime;
import dev.podshim.oci.RuntimeHandlers;
import dev.podshim.oci.Signals;
import dev.podshim.os.OsException;
import dev.podshim.os.Pidfd;
import dev.podshim.os.ProcStat;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerStatus;
import dev.podshim.store.ContainerStore;
import dev.podshim.store.EntityStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up: re-attaches to the conmon of every container that was running, records the exits of
 * those that ended while the daemon was down (from conmon's exit file), and tears down containers
 * whose CreateContainer never finished (conmon, runtime state, rootfs, directory), and removes the
 * attach socket links and image volume holds of containers that are gone. Containers are
 * recovered in parallel, as containerd's restart does, under one deadline.
 */
public final class ContainerRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerRecovery.class);
  /** Every container is recovered in parallel; all of them together get this long. */
  private static final Duration ITEM_TIMEOUT = Duration.ofSeconds(30);

  /** Counts for the start-up log line. */
  public record Result(int running, int exited, int tornDown, int unreadable) {}

  private final ContainerStore store;
  private final RuntimeHandlers runtimes;
  private final ContainerCreation creation;
  private final ConmonMonitor monitor;
  private final ContainerNames names;
  private final Consumer<Container> recordExit;

  ContainerRecovery(ContainerStore store, RuntimeHandlers runtimes, ContainerCreation creation, ConmonMonitor monitor,
      ContainerNames names, Consumer<Container> recordExit) {
    this.store = requireNonNull(store, "store");
    this.runtimes = requireNonNull(runtimes, "runtimes");
    this.creation = requireNonNull(creation, "creation");
    this.monitor = requireNonNull(monitor, "monitor");
    this.names = requireNonNull(names, "names");
    this.recordExit = requireNonNull(recordExit, "recordExit");
  }

  Result recover() {
    Map<Outcome, AtomicInteger> counts = new EnumMap<>(Outcome.class);
    for (Outcome o : Outcome.values()) {
      counts.put(o, new AtomicInteger());
    }
    List<Future<?>> items = new ArrayList<>();
    Map<Future<?>, String> what = new HashMap<>();
    // not try-with-resources: close() would wait for an item that hangs past the deadline
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    try {
      List<EntityStore.Loaded<Container>> all = store.loadAll();
      Set<String> onDisk = new HashSet<>();
      all.forEach(loaded -> onDisk.add(loaded.dir().getFileName().toString()));
      int staleLinks = creation.removeStaleAttachLinks(onDisk);
      if (staleLinks > 0) {
        LOG.atInfo().addKeyValue("count", staleLinks).log("removed attach socket links of containers that are gone");
      }
      int staleVolumes = creation.releaseStaleImageVolumes(onDisk);
      if (staleVolumes > 0) {
        LOG.atInfo().addKeyValue("count", staleVolumes).log("unmounted image volumes no container holds");
      }
      for (EntityStore.Loaded<Container> loaded : all) {
        Container c = loaded.entity();
        if (c == null) {
          LOG.atWarn().setCause(loaded.failure()).addKeyValue("dir", loaded.dir())
              .log("container state unreadable; left in place");
          counts.get(Outcome.UNREADABLE).incrementAndGet();
          continue;
        }
        Future<?> item = pool.submit(() -> counts.get(recoverOne(c)).incrementAndGet());
        items.add(item);
        what.put(item, c.id());
      }
      long deadline = System.nanoTime() + ITEM_TIMEOUT.toNanos();
      for (Future<?> item : items) {
        awaitItem(item, what.get(item), deadline);
      }
    } finally {
      pool.shutdown();
    }
    return new Result(counts.get(Outcome.RUNNING).get(), counts.get(Outcome.EXITED).get(),
        counts.get(Outcome.TORN_DOWN).get(), counts.get(Outcome.UNREADABLE).get());
  }

  private enum Outcome { RUNNING, EXITED, TORN_DOWN, UNREADABLE }

  /** One container; a failure is logged and leaves it as it was on disk, listed for kubelet to remove. */
  private Outcome recoverOne(Container c) {
    try {
      OciRuntime runtime = runtimes.ofContainer(c.metadata().runtimeHandler());
      if (!c.status().created()) {
        killRecordedConmon(c);
        creation.teardown(c, runtime);
        return Outcome.TORN_DOWN;
      }
      names.reserve(c.metadata().name(), c.id());
      if (c.status().state() == ContainerStatus.State.EXITED) {
        return Outcome.EXITED;
      }
      if (reattach(c)) {
        return Outcome.RUNNING;
      }
      killLeftover(c, runtime);
      recordExit.accept(c);
      return Outcome.EXITED;
    } catch (RuntimeException e) {
      LOG.atWarn().setCause(e).addKeyValue("container_id", c.id()).log("recover container failed: {}", e.getMessage());
      return Outcome.UNREADABLE;
    }
  }

  /** Start-up must not hang on one container: past the deadline the item is left running and logged. */
  private static void awaitItem(Future<?> item, String id, long deadline) {
    try {
      item.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      LOG.atError().addKeyValue("container_id", id).log("recovery of container still running after {}s; serving anyway",
          ITEM_TIMEOUT.toSeconds());
    } catch (ExecutionException e) {
      LOG.atWarn().setCause(e.getCause()).addKeyValue("container_id", id).log("recover container failed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Watches the recorded conmon again if it is the same process; false when it is gone. */
  private boolean reattach(Container c) {
    long pid = c.status().conmonPid();
    if (pid <= 0 || !sameProcess(pid, c.status().conmonStartTime())) {
      return false;
    }
    try {
      monitor.watch(c, Pidfd.open(pid));
      return true;
    } catch (OsException e) {
      return false;
    }
  }

  private static boolean sameProcess(long pid, long startTime) {
    OptionalLong now = ProcStat.startTime(pid);
    return now.isPresent() && (startTime == 0 || now.getAsLong() == startTime);
  }

  /** No conmon watches the container any more: make sure its process is gone too. */
  private static void killLeftover(Container c, OciRuntime runtime) {
    runtime.state(c.id()).filter(s -> !s.status().equals("stopped")).ifPresent(s -> {
      try {
        runtime.kill(c.id(), Signals.SIGKILL, false);
      } catch (RuntimeException e) {
        LOG.atDebug().addKeyValue("container_id", c.id()).log("kill leftover: {}", e.getMessage());
      }
    });
  }

  /** A crash between conmon's launch and the status write: conmon's own pid file names it. */
  private static void killRecordedConmon(Container c) {
    Path pidFile = c.dir().resolve("conmon.pid");
    try {
      long pid = c.status().conmonPid() > 0 ? c.status().conmonPid()
          : Long.parseLong(Files.readString(pidFile).trim());
      try (Pidfd pidfd = Pidfd.open(pid)) {
        if (isConmon(pid)) {
          pidfd.signal(Signals.SIGKILL);
        }
      }
    } catch (IOException | NumberFormatException | OsException | IllegalStateException e) {
      // no conmon was launched, or it is gone
    }
  }

  private static boolean isConmon(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("conmon");
    } catch (IOException e) {
      return false;
    }
  }

}
