package dev.podshim.sandbox;

import dev.podshim.os.OsException;
import dev.podshim.os.Pidfd;
import dev.podshim.os.ProcStat;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxStatus;
import dev.podshim.store.EntityStore;
import dev.podshim.store.SandboxStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the sandboxes on disk back under watch after a daemon restart or crash. One that cannot
 * be read is logged and skipped; it never stops start-up.
 */
final class SandboxRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxRecovery.class);

  /** What recovery found, for the start-up log line and metrics. */
  public record Result(int ready, int notReady, int tornDown, int unreadable, int orphansKilled) {}

  private final SandboxStore store;
  private final PauseSupervisor supervisor;
  private final Reservations reservations;
  private final Consumer<Sandbox> teardownIncomplete;

  SandboxRecovery(SandboxStore store, PauseSupervisor supervisor, Reservations reservations,
      Consumer<Sandbox> teardownIncomplete) {
    this.store = store;
    this.supervisor = supervisor;
    this.reservations = reservations;
    this.teardownIncomplete = teardownIncomplete;
  }

  Result recover(Path pauseBinaryDir) {
    int ready = 0;
    int notReady = 0;
    int tornDown = 0;
    int unreadable = 0;
    Set<Long> claimed = new HashSet<>();
    List<Sandbox> incomplete = new ArrayList<>();
    for (EntityStore.Loaded<Sandbox> loaded : store.loadAll()) {
      Sandbox sandbox = loaded.entity();
      if (sandbox == null) {
        LOG.atError().setCause(loaded.failure()).addKeyValue("dir", loaded.dir())
            .log("sandbox state unreadable; left in place");
        unreadable++;
        continue;
      }
      try {
        long pid = reattach(sandbox);
        if (!sandbox.status().created()) {
          incomplete.add(sandbox);
          continue;
        }
        if (pid != 0) {
          claimed.add(pid);
        }
        reservations.restore(sandbox.metadata().name(), sandbox.metadata().config(), sandbox.id());
        if (sandbox.status().ready()) {
          ready++;
        } else {
          notReady++;
        }
      } catch (RuntimeException e) {
        unreadable++;
        LOG.atError().setCause(e).addKeyValue("sandbox_id", sandbox.id()).log("recover sandbox failed");
      }
    }
    // Unclaimed pause processes first: a half-made sandbox's pause sits in its cgroups, which
    // cannot be removed while it lives.
    int orphans = killOrphans(pauseBinaryDir, claimed);
    for (Sandbox sandbox : incomplete) {
      try {
        teardownIncomplete.accept(sandbox);
        tornDown++;
        LOG.atInfo().addKeyValue("sandbox_id", sandbox.id()).log("removed sandbox whose creation never finished");
      } catch (RuntimeException e) {
        unreadable++;
        LOG.atError().setCause(e).addKeyValue("sandbox_id", sandbox.id()).log("tear down half-made sandbox failed");
      }
    }
    return new Result(ready, notReady, tornDown, unreadable, orphans);
  }

  /** Watches pause again if it is the same process; else records it as exited. Returns its pid or 0. */
  private long reattach(Sandbox sandbox) {
    SandboxStatus status = sandbox.status();
    if (!status.pauseAlive()) {
      return 0;
    }
    OptionalLong startTime = ProcStat.startTime(status.pid());
    if (startTime.isPresent() && startTime.getAsLong() == status.pidStartTime()) {
      try {
        Pidfd pidfd = Pidfd.open(status.pid());
        // the pid could have been reused between the check and the open: check again through the fd
        if (ProcStat.startTime(status.pid()).equals(startTime)) {
          supervisor.watch(sandbox, pidfd);
          return status.pid();
        }
        pidfd.close();
      } catch (OsException e) {
        // gone in between
      }
    }
    sandbox.updateStatus(s -> s.withExit(Clock.nowNanos(), -1));
    LOG.atInfo().addKeyValue("sandbox_id", sandbox.id()).addKeyValue("pid", status.pid())
        .log("pause is gone or replaced; sandbox is NOTREADY");
    return 0;
  }

  /** Kills pause processes started from our binaries that no sandbox records (crash before persist). */
  private static int killOrphans(Path pauseBinaryDir, Set<Long> claimed) {
    int killed = 0;
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        long pid = Long.parseLong(proc.getFileName().toString());
        if (claimed.contains(pid) || !isOurPause(proc, pauseBinaryDir)) {
          continue;
        }
        try (Pidfd pidfd = Pidfd.open(pid)) {
          if (isOurPause(proc, pauseBinaryDir)) {
            pidfd.signal(Pidfd.SIGKILL);
            awaitExit(pidfd);
            pidfd.tryReap(); // only succeeds when it was reparented to us
            killed++;
            LOG.atWarn().addKeyValue("pid", pid).log("killed pause process that no sandbox claims");
          }
        } catch (OsException e) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      LOG.atWarn().setCause(e).log("scan for orphaned pause processes failed");
    }
    return killed;
  }

  private static void awaitExit(Pidfd pidfd) {
    for (int i = 0; i < 100 && pidfd.isAlive(); i++) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static boolean isOurPause(Path proc, Path pauseBinaryDir) {
    try {
      Path exe = Files.readSymbolicLink(proc.resolve("exe"));
      return exe.startsWith(pauseBinaryDir) && exe.getFileName().toString().startsWith("pause-");
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
