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
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up: re-attaches to the conmon of every container that was running, records the exits of
 * those that ended while the daemon was down (from conmon's exit file), and tears down containers
 * whose CreateContainer never finished (conmon, runtime state, rootfs, directory).
 */
public final class ContainerRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerRecovery.class);

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
    int running = 0;
    int exited = 0;
    int tornDown = 0;
    int unreadable = 0;
    for (EntityStore.Loaded<Container> loaded : store.loadAll()) {
      Container c = loaded.entity();
      if (c == null) {
        LOG.atWarn().setCause(loaded.failure()).addKeyValue("dir", loaded.dir())
            .log("container state unreadable; left in place");
        unreadable++;
        continue;
      }
      OciRuntime runtime = runtimes.get(c.metadata().runtimeHandler());
      try {
        if (!c.status().created()) {
          killRecordedConmon(c);
          creation.teardown(c, runtime);
          tornDown++;
        } else if (c.status().state() == ContainerStatus.State.EXITED) {
          names.reserve(c.metadata().name(), c.id());
          exited++;
        } else if (reattach(c)) {
          names.reserve(c.metadata().name(), c.id());
          running++;
        } else {
          names.reserve(c.metadata().name(), c.id());
          killLeftover(c, runtime);
          recordExit.accept(c);
          exited++;
        }
      } catch (RuntimeException e) {
        LOG.atWarn().setCause(e).addKeyValue("container_id", c.id()).log("recover container failed: {}", e.getMessage());
      }
    }
    return new Result(running, exited, tornDown, unreadable);
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
