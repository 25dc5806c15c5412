package dev.podshim.streaming;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * What a test client received on one stream or channel: the bytes (the first {@link #KEEP} of
 * them; beyond that only counted, so 100 MB can flow through without 100 MB of test heap), and
 * whether the stream ended. Waits take a generous timeout only to turn a hang into a failure.
 */
public final class Received {
  /** Bytes kept for inspection; the rest is counted. */
  public static final int KEEP = 8 * 1024 * 1024;

  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private long count;
  private boolean ended;

  synchronized void add(byte[] data) {
    count += data.length;
    int room = KEEP - kept.size();
    if (room > 0) {
      kept.write(data, 0, Math.min(room, data.length));
    }
    notifyAll();
  }

  synchronized void end() {
    ended = true;
    notifyAll();
  }

  public synchronized long count() {
    return count;
  }

  public synchronized boolean ended() {
    return ended;
  }

  public synchronized byte[] bytes() {
    return kept.toByteArray();
  }

  public String text() {
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  /** Waits until the stream ends; returns what was kept. */
  public synchronized byte[] awaitEnd(Duration timeout) {
    await(timeout, () -> ended, "end of stream");
    return kept.toByteArray();
  }

  /** Waits until at least {@code n} bytes arrived. */
  public synchronized void awaitCount(long n, Duration timeout) {
    await(timeout, () -> count >= n, n + " bytes (have " + count + ")");
  }

  /** Waits until the kept text contains {@code part}. */
  public synchronized void awaitText(String part, Duration timeout) {
    await(timeout, () -> kept.toString(StandardCharsets.UTF_8).contains(part), "\"" + part + "\"");
  }

  private interface Condition {
    boolean met();
  }

  private void await(Duration timeout, Condition condition, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!condition.met()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new UncheckedIOException(new IOException("timed out waiting for " + what,
              new TimeoutException()));
        }
        wait(Math.max(1, left / 1_000_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
