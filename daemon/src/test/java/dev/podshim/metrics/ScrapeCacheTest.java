package dev.podshim.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ScrapeCacheTest {
  @Test
  void callersArrivingDuringARenderShareItEvenWithNoWindow() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    ScrapeCache cache = new ScrapeCache(() -> {
      calls.incrementAndGet();
      started.countDown();
      awaitQuietly(release);
      return new byte[] {1, 2, 3};
    }, Duration.ZERO);

    List<Thread> threads = new ArrayList<>();
    List<CompletableFuture<byte[]>> bodies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      CompletableFuture<byte[]> body = new CompletableFuture<>();
      bodies.add(body);
      threads.add(Thread.ofPlatform().start(() -> body.complete(cache.body())));
      if (i == 0) {
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      }
    }
    // the three latecomers are parked on the render lock before the render finishes
    for (Thread t : threads.subList(1, 4)) {
      waitUntilParked(t);
    }
    release.countDown();

    byte[] first = bodies.get(0).get(10, TimeUnit.SECONDS);
    for (CompletableFuture<byte[]> body : bodies) {
      assertThat(body.get(10, TimeUnit.SECONDS)).isSameAs(first);
    }
    assertThat(calls).hasValue(1);
    assertThat(cache.renders()).isEqualTo(1);
  }

  @Test
  void withinTheWindowTheRenderIsReusedAfterItRendersAgain() {
    AtomicInteger calls = new AtomicInteger();
    ScrapeCache reused = new ScrapeCache(() -> new byte[] {(byte) calls.incrementAndGet()}, Duration.ofMinutes(1));
    assertThat(reused.body()).isSameAs(reused.body());
    assertThat(reused.renders()).isEqualTo(1);

    ScrapeCache expired = new ScrapeCache(() -> new byte[] {(byte) calls.incrementAndGet()}, Duration.ZERO);
    assertThat(expired.body()).isNotEqualTo(expired.body());
    assertThat(expired.renders()).isEqualTo(2);
  }

  @Test
  void aFailedRenderIsNotCachedAndTheNextCallerTriesAgain() {
    AtomicInteger calls = new AtomicInteger();
    ScrapeCache cache = new ScrapeCache(() -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("meter broke");
      }
      return new byte[] {42};
    }, Duration.ofMinutes(1));

    assertThatThrownBy(cache::body).hasMessage("meter broke");
    assertThat(cache.body()).containsExactly(42);
    assertThat(cache.renders()).isEqualTo(1);
  }

  private static void waitUntilParked(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as(t + " parked on the render lock").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
