package dev.podshim.image;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Names for temporary files and directories that carry the writing process's pid, so clean-up
 * at start-up removes only what a dead process left and never a live one's work in progress
 * (the daemon and {@code podshimd images} may share the store).
 */
final class Temporaries {
  private Temporaries() {}

  /** {@code <prefix>-<pid>-<random>}; the prefix must not contain '-'. */
  static String name(String prefix) {
    return prefix + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  /** Whether the process that named this temporary (by {@link #name}) still runs; unknown names count as dead. */
  static boolean ownerAlive(String name) {
    String[] parts = name.split("-");
    if (parts.length < 3) {
      return false;
    }
    try {
      long pid = Long.parseLong(parts[parts.length - 2]);
      return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
