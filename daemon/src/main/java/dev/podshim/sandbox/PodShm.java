package dev.podshim.sandbox;

import dev.podshim.errors.CriException;
import dev.podshim.os.Mounts;
import dev.podshim.os.OsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pod's /dev/shm: one tmpfs in the sandbox directory that every container of the pod binds,
 * so that they share POSIX shared memory as they share the IPC namespace (containerd and CRI-O
 * do the same). Owned by the sandbox like its namespace pins: made at RunPodSandbox, gone at
 * RemovePodSandbox and at recovery's teardown.
 */
public final class PodShm {
  static final String DIR = "shm";
  /** Docker's and containerd's default /dev/shm size. */
  private static final String OPTIONS = "mode=1777,size=65536k";

  private PodShm() {}

  /** Where the pod's shm is mounted, for containers to bind. */
  public static Path path(Path sandboxDir) {
    return sandboxDir.resolve(DIR);
  }

  static void mount(Path sandboxDir) {
    Path dir = path(sandboxDir);
    try {
      Files.createDirectories(dir);
      Mounts.tmpfs(dir, OPTIONS);
    } catch (IOException | OsException e) {
      throw CriException.internal("mount pod shm " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Idempotent: nothing mounted (or no directory) is fine. */
  static void unmount(Path sandboxDir) {
    Path dir = path(sandboxDir);
    for (int i = 0; i < 8 && Files.isDirectory(dir) && Mounts.isMountPoint(dir); i++) {
      Mounts.unmount(dir);
    }
  }
}
