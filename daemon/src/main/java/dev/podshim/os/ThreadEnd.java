package dev.podshim.os;

/** How a watcher's close() waits for its thread. */
final class ThreadEnd {
  private ThreadEnd() {}

  /**
   * Waits until {@code thread} has ended, unless called from it (a callback closing its own
   * watcher); an interrupt meanwhile does not cut the wait short and is kept for the caller.
   */
  static void await(Thread thread) {
    if (Thread.currentThread() == thread) {
      return;
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
