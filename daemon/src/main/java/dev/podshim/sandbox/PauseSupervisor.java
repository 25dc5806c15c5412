package dev.podshim.sandbox;

import static java.util.Objects.requireNonNull;

import dev.podshim.os.ExitWatcher;
import dev.podshim.os.Pidfd;
import dev.podshim.os.WatchedExit;
import dev.podshim.store.Sandbox;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every live pause process by pidfd. The moment one dies its sandbox records the exit
 * (and so turns NOTREADY), and the process is reaped by its pidfd: never {@code waitpid(-1)}, so
 * nothing the daemon does not own is ever reaped.
 */
final class PauseSupervisor {
  private static final Logger LOG = LoggerFactory.getLogger(PauseSupervisor.class);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private final ExitWatcher watcher;
  private final ConcurrentHashMap<String, WatchedExit> bySandbox = new ConcurrentHashMap<>();

  PauseSupervisor(ExitWatcher watcher) {
    this.watcher = requireNonNull(watcher, "watcher");
  }

  /** Starts watching; if pause is already dead the exit is recorded at once. */
  void watch(Sandbox sandbox, Pidfd pidfd) {
    WatchedExit w = WatchedExit.of(pidfd);
    bySandbox.put(sandbox.id(), w);
    // the record is an fsynced write: never on the one watcher thread every pod shares
    watcher.watch(pidfd, () -> Thread.ofVirtual().name("pause-exit-" + sandbox.id().substring(0, 12))
        .start(() -> onExit(sandbox, w)));
  }

  /**
   * Kills pause at once and waits for it, whether or not {@link #watch} got as far as watching it:
   * the undo of a RunPodSandbox that failed right after launching pause.
   */
  void kill(Sandbox sandbox, Pidfd pidfd) {
    if (bySandbox.containsKey(sandbox.id())) {
      stop(sandbox, Duration.ZERO);
      return;
    }
    pidfd.signal(Pidfd.SIGKILL);
    WatchedExit.of(pidfd).awaitDeath(KILL_WAIT);
  }

  /** Number of pause processes currently alive and watched. */
  int alive() {
    return bySandbox.size();
  }

  /**
   * Sends SIGTERM, waits up to {@code grace}, then SIGKILL; returns once the exit is recorded.
   * A pause that is not watched (already gone) returns at once.
   */
  void stop(Sandbox sandbox, Duration grace) {
    WatchedExit w = bySandbox.get(sandbox.id());
    if (w == null) {
      return;
    }
    if (!grace.isZero()) {
      w.pidfd().signal(Pidfd.SIGTERM);
      if (w.await(grace)) {
        return;
      }
    }
    w.pidfd().signal(Pidfd.SIGKILL);
    if (!w.await(KILL_WAIT)) {
      LOG.atError().addKeyValue("sandbox_id", sandbox.id()).addKeyValue("pid", w.pidfd().pid())
          .log("pause did not exit after SIGKILL");
    }
  }

  private void onExit(Sandbox sandbox, WatchedExit w) {
    try {
      OptionalInt status = w.pidfd().tryReap();
      int code = status.orElse(-1);
      sandbox.updateStatus(s -> s.withExit(Clock.nowNanos(), code));
      LOG.atInfo().addKeyValue("sandbox_id", sandbox.id()).addKeyValue("pid", w.pidfd().pid())
          .addKeyValue("exit_code", code).log("pause exited; sandbox is NOTREADY");
    } catch (RuntimeException e) {
      LOG.atWarn().setCause(e).addKeyValue("sandbox_id", sandbox.id()).log("record pause exit failed");
    } finally {
      bySandbox.remove(sandbox.id(), w);
      w.finish();
    }
  }
}
