package dev.podshim.sandbox;

import dev.podshim.errors.CriException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;
import org.jspecify.annotations.Nullable;

/**
 * Asks systemd, over the system bus, to put an existing process into a new transient scope in a
 * slice: how the systemd cgroup driver places pause, since under that driver every cgroup below
 * the root belongs to systemd (containerd gets the same from runc for its pause container, CRI-O
 * does it over D-Bus for conmon). The scope ends by itself when its last process exits, and systemd
 * creates a slice that does not exist yet (kubelet normally made it before RunPodSandbox).
 */
final class SystemdScopes {
  private static final String SYSTEMD = "org.freedesktop.systemd1";
  /** StartTransientUnit returns once the job is queued: wait for the move itself, under emulation too. */
  private static final Duration PLACED_WITHIN = Duration.ofSeconds(30);

  private @Nullable DBusConnection connection;

  /** Starts {@code unit} in {@code slice} holding {@code pid}; returns once the kernel shows pid there. */
  void start(String unit, String slice, long pid) {
    List<SystemdManager.Property> properties = List.of(
        new SystemdManager.Property("Description", new Variant<>("podshim pod sandbox " + unit)),
        new SystemdManager.Property("Slice", new Variant<>(slice)),
        // no ordering against shutdown.target: pods stop when kubelet or podshim stops them
        new SystemdManager.Property("DefaultDependencies", new Variant<>(false)),
        new SystemdManager.Property("PIDs", new Variant<>(List.of(new UInt32(pid)), "au")));
    try {
      manager().startTransientUnit(unit, "fail", properties, List.of());
    } catch (DBusException | DBusExecutionException e) {
      drop();
      throw CriException.internal("start systemd scope " + unit + " in " + slice + " for pause " + pid + ": "
          + e.getMessage(), e);
    }
    awaitPlaced(unit, pid);
  }

  private synchronized SystemdManager manager() throws DBusException {
    if (connection == null || !connection.isConnected()) {
      connection = DBusConnectionBuilder.forSystemBus().withShared(false).build();
    }
    return connection.getRemoteObject(SYSTEMD, "/org/freedesktop/systemd1", SystemdManager.class);
  }

  /** A failed call may mean systemd or the bus restarted: the next one connects anew. */
  private synchronized void drop() {
    if (connection != null) {
      try {
        connection.close();
      } catch (IOException e) {
        // gone already
      }
      connection = null;
    }
  }

  private static void awaitPlaced(String unit, long pid) {
    long deadline = System.nanoTime() + PLACED_WITHIN.toNanos();
    Path cgroup = Path.of("/proc/" + pid + "/cgroup");
    while (true) {
      try {
        if (Files.readAllLines(cgroup).stream().anyMatch(line -> line.endsWith("/" + unit))) {
          return;
        }
      } catch (IOException e) {
        throw CriException.internal("pause " + pid + " exited before systemd placed it in " + unit, e);
      }
      if (System.nanoTime() > deadline) {
        throw CriException.internal("systemd did not move pause " + pid + " into " + unit + " within "
            + PLACED_WITHIN.toSeconds() + " s", null);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CriException.internal("interrupted while waiting for systemd to place pause " + pid, e);
      }
    }
  }
}
