package dev.podshim.metrics;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The rendered scrape text, shared: a render is reused for {@code ttl}, and callers that arrive
 * while one is rendering wait for it instead of starting their own (single-flight). However many
 * scrapers come at once, at most one render is alive at a time and it is done once per window.
 */
final class ScrapeCache {
  /** One render: its bytes and when it started (the age of what it shows). */
  private record Rendered(byte[] body, long startedNanos) {}

  private final Supplier<byte[]> render;
  private final long ttlNanos;
  private final ReentrantLock rendering = new ReentrantLock();
  private final AtomicLong renders = new AtomicLong();
  private volatile @Nullable Rendered latest;

  ScrapeCache(Supplier<byte[]> render, Duration ttl) {
    this.render = requireNonNull(render, "render");
    this.ttlNanos = requireNonNull(ttl, "ttl").toNanos();
  }

  /**
   * The latest render if it is younger than the window, else a new one. The returned array is
   * shared by every caller: never modify it.
   */
  byte[] body() {
    Rendered seen = latest;
    if (seen != null && fresh(seen)) {
      return seen.body();
    }
    rendering.lock();
    try {
      Rendered now = latest;
      // a render finished while we waited for the lock: share it rather than render again
      if (now != null && (now != seen || fresh(now))) {
        return now.body();
      }
      long started = System.nanoTime();
      byte[] body = render.get();
      renders.incrementAndGet();
      latest = new Rendered(body, started);
      return body;
    } finally {
      rendering.unlock();
    }
  }

  /** How many times the text was rendered (for tests). */
  long renders() {
    return renders.get();
  }

  private boolean fresh(Rendered rendered) {
    return System.nanoTime() - rendered.startedNanos() < ttlNanos;
  }
}
