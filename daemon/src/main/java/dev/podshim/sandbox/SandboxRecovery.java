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
import dev.podshim.store.SandboxConfig;
import dev.podshim.store.SandboxMetadata;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the sandboxes on disk back under watch after a daemon restart or crash, in parallel under
 * one deadline. One that cannot be read is listed NOTREADY for kubelet to remove; it never stops
 * start-up.
 */
final class SandboxRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxRecovery.class);
  /** Every sandbox is recovered in parallel; all of them together get this long. */
  private static final Duration ITEMS_TIMEOUT = Duration.ofSeconds(30);
  private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[0-9a-f]{64}");

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
    AtomicInteger ready = new AtomicInteger();
    AtomicInteger notReady = new AtomicInteger();
    AtomicInteger unreadable = new AtomicInteger();
    int tornDown = 0;
    Set<Long> claimed = ConcurrentHashMap.newKeySet();
    List<Sandbox> incomplete = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Future<?>> items = new ArrayList<>();
    // not try-with-resources: close() would wait for an item that hangs past the deadline
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (EntityStore.Loaded<Sandbox> loaded : store.loadAll()) {
        Sandbox sandbox = loaded.entity();
        if (sandbox == null) {
          unreadable.incrementAndGet();
          listUnreadable(loaded);
          continue;
        }
        items.add(pool.submit(() -> {
          try {
            long pid = reattach(sandbox);
            if (!sandbox.status().created()) {
              incomplete.add(sandbox);
              return;
            }
            if (pid != 0) {
              claimed.add(pid);
            }
            reservations.restore(sandbox.metadata().name(), sandbox.metadata().config(), sandbox.id());
            (sandbox.status().ready() ? ready : notReady).incrementAndGet();
          } catch (RuntimeException e) {
            unreadable.incrementAndGet();
            LOG.atError().setCause(e).addKeyValue("sandbox_id", sandbox.id()).log("recover sandbox failed");
          }
        }));
      }
      long deadline = System.nanoTime() + ITEMS_TIMEOUT.toNanos();
      for (Future<?> item : items) {
        try {
          item.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
          LOG.atError().setCause(e).log("a sandbox's recovery did not finish within {}s; serving anyway",
              ITEMS_TIMEOUT.toSeconds());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    } finally {
      pool.shutdown();
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
        unreadable.incrementAndGet();
        LOG.atError().setCause(e).addKeyValue("sandbox_id", sandbox.id()).log("tear down half-made sandbox failed");
      }
    }
    return new Result(ready.get(), notReady.get(), tornDown, unreadable.get(), orphans);
  }

  /**
   * A directory whose meta.json cannot be read is still listed, NOTREADY, under its id with the
   * reason in its verbose info, so that kubelet (or crictl rmp) can remove it and release what it
   * holds: pins, shm, the CNI attachment recorded in network.json, its cgroups if status.json tells.
   */
  private void listUnreadable(EntityStore.Loaded<Sandbox> loaded) {
    String id = loaded.dir().getFileName().toString();
    String reason = "meta.json unreadable: " + (loaded.failure() == null ? "?" : loaded.failure().getMessage());
    if (!ID.matcher(id).matches()) {
      LOG.atError().setCause(loaded.failure()).addKeyValue("dir", loaded.dir())
          .log("sandbox state unreadable and not named by a sandbox id; left in place");
      return;
    }
    SandboxStatus status = store.salvageStatus(loaded.dir()).orElse(SandboxStatus.initial()).asCreated()
        .withExit(Clock.nowNanos(), -1);
    Sandbox sandbox = store.adopt(new SandboxMetadata(id, "unreadable_" + id, SandboxConfig.unreadable(id),
        createdAt(loaded.dir()), ""), status, loaded.dir());
    sandbox.markUnreadable(reason);
    LOG.atError().setCause(loaded.failure()).addKeyValue("sandbox_id", id)
        .log("sandbox state unreadable; listed NOTREADY so that it can be removed");
  }

  private static long createdAt(Path dir) {
    try {
      var t = Files.getLastModifiedTime(dir).toInstant();
      return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    } catch (IOException e) {
      return Clock.nowNanos();
    }
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
