package dev.podshim.testing;

import dev.podshim.os.OsException;
import dev.podshim.os.Pidfd;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test JVM is a child subreaper, like the daemon: pause processes orphaned by a killed daemon
 * become its children. This reaps the ones that have exited, so tests leave no zombie.
 */
public final class Children {
  private Children() {}

  public static void reapExited() throws IOException {
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        String children;
        try {
          children = Files.readString(task.resolve("children")).trim();
        } catch (java.nio.file.NoSuchFileException threadExited) {
          continue;
        }
        if (children.isEmpty()) {
          continue;
        }
        for (String pid : children.split("\\s+")) {
          reapIfZombie(Long.parseLong(pid));
        }
      }
    }
  }

  /** Only exited pause processes: the JVM's own children are reaped by its process reaper. */
  private static void reapIfZombie(long pid) {
    try {
      if (!Files.readString(Path.of("/proc", Long.toString(pid), "comm")).startsWith("pause")) {
        return;
      }
    } catch (IOException e) {
      return;
    }
    try (Pidfd pidfd = Pidfd.open(pid)) {
      if (!pidfd.isAlive()) {
        pidfd.tryReap();
      }
    } catch (OsException e) {
      // already gone
    }
  }
}
