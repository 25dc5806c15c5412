package dev.podshim.container;

import dev.podshim.os.FileModifyWatcher;
import dev.podshim.os.OsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OOM kills of running containers on cgroup v2, seen from {@code memory.events} as they happen.
 * Reading the count when the exit is recorded is too late under the systemd driver: systemd
 * removes the container's scope, and the file with it, once its last process is gone, which is
 * often before conmon has reported the exit. The kernel announces each change of the file, so
 * the kill is seen while the cgroup still exists, as containerd's cgroup v2 event monitor sees it.
 * cgroup v1 has no such file, and there podshim itself removes the cgroup after the exit is read.
 */
final class OomWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OomWatch.class);

  private final Map<String, FileModifyWatcher.Watch> watches = new ConcurrentHashMap<>();
  private final Set<String> killed = ConcurrentHashMap.newKeySet();
  private volatile @Nullable FileModifyWatcher watcher; // started by the first v2 container

  /** Watches the container's memory.events from now on; nothing on v1 or when the cgroup is unknown. */
  void watch(String containerId, @Nullable Path memoryCgroup) {
    if (memoryCgroup == null) {
      return;
    }
    Path events = memoryCgroup.resolve("memory.events");
    if (!Files.exists(events)) {
      return;
    }
    try {
      FileModifyWatcher.Watch watch = watcher().watch(events, () -> check(containerId, memoryCgroup));
      FileModifyWatcher.Watch before = watches.put(containerId, watch);
      if (before != null) {
        before.close();
      }
    } catch (OsException e) {
      // the cgroup went away meanwhile: the container has exited, and its exit reads what is left
      LOG.atDebug().addKeyValue("container_id", containerId).log("memory.events not watched: {}", e.getMessage());
    }
    check(containerId, memoryCgroup); // a kill before the watch began
  }

  /** Whether an OOM kill was seen in the container's cgroup while it was watched. */
  boolean killed(String containerId) {
    return killed.contains(containerId);
  }

  /** Ends the watch and forgets the container. */
  void forget(String containerId) {
    FileModifyWatcher.Watch watch = watches.remove(containerId);
    if (watch != null) {
      watch.close();
    }
    killed.remove(containerId);
  }

  private void check(String containerId, Path memoryCgroup) {
    if (ContainerExits.oomKills(memoryCgroup) > 0) {
      killed.add(containerId);
    }
  }

  private FileModifyWatcher watcher() {
    FileModifyWatcher w = watcher;
    if (w == null) {
      synchronized (this) {
        w = watcher;
        if (w == null) {
          w = new FileModifyWatcher("podshim-oom-watch");
          watcher = w;
        }
      }
    }
    return w;
  }

  @Override
  public void close() {
    FileModifyWatcher w = watcher;
    if (w != null) {
      w.close();
    }
  }
}
