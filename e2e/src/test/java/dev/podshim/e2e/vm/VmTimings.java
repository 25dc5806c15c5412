package dev.podshim.e2e.vm;

import java.time.Duration;

/** One line per step, so the VM stage's costs show in the build log (and BENCHMARKS.md can quote them). */
final class VmTimings {
  private VmTimings() {
  }

  static Duration report(String step, long startNanos) {
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    System.out.printf("podshim-vm: %s took %.1f s%n", step, took.toMillis() / 1000.0);
    return took;
  }
}
