package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import dev.podshim.os.ExitWatcher;
import dev.podshim.os.Pidfd;
import dev.podshim.os.WatchedExit;
import dev.podshim.store.Container;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches each container's conmon by pidfd. conmon exits right after the container's process
 * does, having written the exit file; the exit is then recorded off the watcher thread (it writes
 * state files) and conmon is reaped through its pidfd: never {@code waitpid(-1)}.
 */
final class ConmonMonitor {
  private static final Logger LOG = LoggerFactory.getLogger(ConmonMonitor.class);

  private final ExitWatcher watcher;
  private final Consumer<Container> onExit;
  private final ConcurrentHashMap<String, WatchedExit> byContainer = new ConcurrentHashMap<>();

  /** @param onExit records the container's exit; runs once per watched conmon, on a virtual thread */
  ConmonMonitor(ExitWatcher watcher, Consumer<Container> onExit) {
    this.watcher = requireNonNull(watcher, "watcher");
    this.onExit = requireNonNull(onExit, "onExit");
  }

  void watch(Container container, Pidfd pidfd) {
    WatchedExit w = WatchedExit.of(pidfd);
    byContainer.put(container.id(), w);
    watcher.watch(pidfd, () -> Thread.ofVirtual().name("exit-" + container.id().substring(0, 12))
        .start(() -> exited(container, w)));
  }

  /** conmons alive and watched, for metrics. */
  int alive() {
    return byContainer.size();
  }

  boolean watched(Container container) {
    return byContainer.containsKey(container.id());
  }

  /** Waits until the container's exit is recorded; true at once when its conmon is not watched. */
  boolean awaitExit(Container container, Duration timeout) {
    WatchedExit w = byContainer.get(container.id());
    return w == null || w.await(timeout);
  }

  /** Stops watching without recording anything (the container is being torn down). */
  void forget(Container container) {
    WatchedExit w = byContainer.remove(container.id());
    if (w != null) {
      watcher.unwatch(w.pidfd());
      w.finish();
    }
  }

  private void exited(Container container, WatchedExit w) {
    try {
      w.pidfd().tryReapQuietly();
      onExit.accept(container);
    } catch (RuntimeException e) {
      LOG.atWarn().setCause(e).addKeyValue("container_id", container.id()).log("record container exit failed");
    } finally {
      byContainer.remove(container.id(), w);
      w.finish();
    }
  }
}
