package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import dev.podshim.os.ProcessFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The timeout of one ExecSync. When it passes, everything the exec started is killed: the
 * process the runtime started, its session and their descendants (a probe's {@code sh -c} whose
 * child keeps the output open would otherwise hold the call until the runtime's own limit), but
 * never the container's other processes.
 */
final class ExecDeadline implements AutoCloseable {
  /** How often the pid file is looked for when the deadline passes before the runtime wrote it. */
  private static final Duration PID_FILE_POLL = Duration.ofMillis(20);

  private final Path pidFile;
  private final long containerInit;
  private final ScheduledFuture<?> timer;
  private volatile boolean expired;
  private volatile boolean closed;

  private ExecDeadline(ScheduledExecutorService timer, Duration timeout, Path pidFile, long containerInit) {
    this.pidFile = requireNonNull(pidFile, "pidFile");
    this.containerInit = containerInit;
    // the kill scans /proc and pauses between depths: not on the timer thread every exec shares
    this.timer = timer.schedule(() -> Thread.ofVirtual().name("exec-deadline").start(this::expire),
        timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Arms the deadline of an exec whose runtime writes the process's host pid to {@code pidFile},
   * in the container whose init has host pid {@code containerInit}.
   */
  static ExecDeadline arm(ScheduledExecutorService timer, Duration timeout, Path pidFile, long containerInit) {
    return new ExecDeadline(timer, timeout, pidFile, containerInit);
  }

  /** Whether the deadline passed before {@link #close}. */
  boolean expired() {
    return expired;
  }

  private void expire() {
    expired = true;
    while (!closed) {
      OptionalLong pid = readPid();
      if (pid.isPresent()) {
        ProcessFamily.kill(pid.getAsLong(), containerInit);
        return;
      }
      try {
        Thread.sleep(PID_FILE_POLL); // the runtime has not started the process yet
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private OptionalLong readPid() {
    try {
      return OptionalLong.of(Long.parseLong(Files.readString(pidFile).trim()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** The exec has ended: a deadline not yet passed is disarmed, a kill under way stops looking. */
  @Override
  public void close() {
    closed = true;
    timer.cancel(false);
  }
}
