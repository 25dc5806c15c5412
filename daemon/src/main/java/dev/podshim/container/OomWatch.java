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
 * the kill is usually seen while the cgroup still exists, as containerd's cgroup v2 event monitor
 * sees it. Usually: the kernel sends at most one notice per file every 10 ms and drops a delayed one
 * when the cgroup goes, so the notice for the kill itself can be lost behind the one for hitting
 * memory.max. The parent's (the pod's) memory.events counts its children's kills too and lives as
 * long as the pod, so a SIGKILLed container whose own notice was lost takes one of the pod's kills
 * that no other container has claimed. cgroup v1 has no such file, and there podshim itself removes
 * the cgroup after the exit is read.
 */
final class OomWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OomWatch.class);

  private final Map<String, FileModifyWatcher.Watch> watches = new ConcurrentHashMap<>();
  private final Set<String> killed = ConcurrentHashMap.newKeySet();
  private final Map<String, Path> pods = new ConcurrentHashMap<>(); // container id -> parent cgroup
  private final Map<Path, PodKills> podKills = new ConcurrentHashMap<>();
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
    Path pod = memoryCgroup.getParent();
    pods.put(containerId, pod);
    podKills.computeIfAbsent(pod, p -> new PodKills(ContainerExits.oomKills(p)));
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

  /**
   * Whether the container was OOM-killed: seen by its own watch, or, for a container that died of
   * SIGKILL, an OOM kill in its pod that no other container has claimed.
   */
  boolean killed(String containerId, boolean diedOfSigkill) {
    if (killed.contains(containerId)) {
      return true;
    }
    Path pod = pods.get(containerId);
    PodKills kills = pod == null ? null : podKills.get(pod);
    if (diedOfSigkill && kills != null && kills.claimUnexplained(ContainerExits.oomKills(pod))) {
      LOG.atInfo().addKeyValue("container_id", containerId).log("OOM kill taken from the pod's memory.events");
      return true;
    }
    return false;
  }

  /** Ends the watch and forgets the container. */
  void forget(String containerId) {
    FileModifyWatcher.Watch watch = watches.remove(containerId);
    if (watch != null) {
      watch.close();
    }
    killed.remove(containerId);
    Path pod = pods.remove(containerId);
    if (pod != null && !pods.containsValue(pod)) {
      podKills.remove(pod);
    }
  }

  private void check(String containerId, Path memoryCgroup) {
    if (ContainerExits.oomKills(memoryCgroup) > 0 && killed.add(containerId)) {
      PodKills kills = podKills.get(memoryCgroup.getParent());
      if (kills != null) {
        kills.explain(ContainerExits.oomKills(memoryCgroup.getParent()));
      }
    }
  }

  /** The pod cgroup's hierarchical oom_kill count, and how much of it containers' own watches explain. */
  private static final class PodKills {
    private long explained;

    PodKills(long countAtFirstWatch) {
      this.explained = countAtFirstWatch;
    }

    /** A container's own watch saw its kill, which the pod's count already holds. */
    synchronized void explain(long podCount) {
      explained = Math.min(explained + 1, podCount);
    }

    synchronized boolean claimUnexplained(long podCount) {
      if (podCount <= explained) {
        return false;
      }
      explained++;
      return true;
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
