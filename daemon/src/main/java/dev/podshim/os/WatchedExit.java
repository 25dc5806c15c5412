package dev.podshim.os;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process under an {@link ExitWatcher}: its pidfd, and a future that completes once its exit
 * has been recorded, for callers that stop it and wait.
 */
public record WatchedExit(Pidfd pidfd, CompletableFuture<Void> exited) {
  public WatchedExit {
    requireNonNull(pidfd, "pidfd");
    requireNonNull(exited, "exited");
  }

  public static WatchedExit of(Pidfd pidfd) {
    return new WatchedExit(pidfd, new CompletableFuture<>());
  }

  /** Waits up to {@code timeout}; true once the exit is recorded. An interrupt returns false. */
  public boolean await(Duration timeout) {
    try {
      exited.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  /** For a process nobody watches: polls until it is gone (or {@code timeout}), then {@link #finish}es. */
  public void awaitDeath(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (pidfd.isOpen() && pidfd.isAlive() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    finish();
  }

  /** Reaps what can be reaped, closes the pidfd and wakes every waiter. */
  public void finish() {
    pidfd.tryReapQuietly();
    pidfd.close();
    exited.complete(null);
  }
}
