package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.VersionRequest;
import dev.podshim.testing.DaemonProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory that comes back: a real podshimd with the production JVM flags takes a burst of requests
 * of ~16 MB (refused, but read and parsed whole), and its RSS must fall back near where it was.
 * Under the serial collector it stayed ~170 MiB up for good (BENCHMARKS.md, "Daemon memory under
 * bursts"); this checks the flags, not a speed, so it waits as long as the idle collections need.
 */
class MemoryAfterBurstTest {
  private static final int BURST = 24;
  private static final int PARALLEL = 4;
  private static final int HUGE_CHARS = 16 * 1024 * 1024 - 4096;
  /** The burst's buffers may leave some heap committed and some malloc arenas in use. */
  private static final long BACK_WITHIN_KB = 40 * 1024;
  /** G1 collects an idle daemon every 5 s and glibc is trimmed every 5 s: a few rounds of each. */
  private static final long GIVE_BACK_SECONDS = 45;

  @TempDir Path root;

  @Test
  void rssReturnsNearItsBaselineAfterABurstOfHugeRequests() throws Exception {
    try (DaemonProcess daemon = new DaemonProcess(root).jvmOptions(DaemonProcess.productionJvmOptions())) {
      daemon.start();
      for (int i = 0; i < 50; i++) {
        daemon.runtime.version(VersionRequest.getDefaultInstance());
      }
      long baseline = rssKb(daemon.pid());

      List<Status.Code> codes = burst(daemon);
      long peak = rssKb(daemon.pid());
      assertThat(codes).as("every huge request is refused, none crashes the daemon")
          .containsOnly(Status.Code.INVALID_ARGUMENT);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GIVE_BACK_SECONDS);
      long now = peak;
      while (now > baseline + BACK_WITHIN_KB && System.nanoTime() < deadline) {
        Thread.sleep(1000);
        now = rssKb(daemon.pid());
      }
      assertThat(now).as("RSS %d KiB before the burst, %d KiB right after it, %d KiB %d s later",
              baseline, peak, now, GIVE_BACK_SECONDS)
          .isLessThanOrEqualTo(baseline + BACK_WITHIN_KB);
      daemon.runtime.withDeadlineAfter(10, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
    }
  }

  private static List<Status.Code> burst(DaemonProcess daemon) throws Exception {
    String huge = "x".repeat(HUGE_CHARS);
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    try {
      List<Future<Status.Code>> calls = new ArrayList<>();
      for (int i = 0; i < BURST; i++) {
        calls.add(pool.submit(() -> {
          try {
            daemon.runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
                .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(huge).build());
            return Status.Code.OK;
          } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
          }
        }));
      }
      List<Status.Code> codes = new ArrayList<>();
      for (Future<Status.Code> call : calls) {
        codes.add(call.get());
      }
      return codes;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim());
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }
}
