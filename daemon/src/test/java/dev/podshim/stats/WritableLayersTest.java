package dev.podshim.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.image.ImageFilesystem;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A layer is walked at first sight, then only in the background once its figure is old. */
class WritableLayersTest {
  private final AtomicInteger walks = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong(100);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private Optional<ImageFilesystem.Usage> probe(String id) {
    walks.incrementAndGet();
    return id.equals("gone") ? Optional.empty() : Optional.of(new ImageFilesystem.Usage(1, "/", bytes.get(), 1));
  }

  @Test
  void freshFiguresAreServedFromTheCacheWithoutAWalk() {
    try (WritableLayers layers = new WritableLayers(this::probe, Long.MAX_VALUE, registry)) {
      assertThat(layers.get("c").usedBytes()).isEqualTo(100);
      bytes.set(200);
      for (int i = 0; i < 10; i++) {
        assertThat(layers.get("c").usedBytes()).isEqualTo(100);
      }
      assertThat(walks).hasValue(1);
      assertThat(layers.get("gone")).isNull();
      assertThat(registry.get("podshim.stats.layer.walk.duration").tag("trigger", "first").timer().count()).isEqualTo(2);
    }
  }

  @Test
  void anOldFigureIsServedWhileARefreshRunsInTheBackground() throws Exception {
    try (WritableLayers layers = new WritableLayers(this::probe, 0, registry)) {
      assertThat(layers.get("c").usedBytes()).isEqualTo(100);
      bytes.set(200);
      long deadline = System.nanoTime() + 5_000_000_000L;
      long seen = layers.get("c").usedBytes();
      assertThat(seen).as("the stale figure answers at once").isEqualTo(100);
      while (seen != 200 && System.nanoTime() < deadline) {
        Thread.sleep(10);
        seen = layers.get("c").usedBytes();
      }
      assertThat(seen).isEqualTo(200);
      layers.retainOnly(Set.of());
      int before = walks.get();
      layers.get("c");
      assertThat(walks.get()).as("forgotten: measured again at once").isGreaterThan(before);
    }
  }
}
