package dev.podshim.stats;

import static java.util.Objects.requireNonNull;

import dev.podshim.image.ImageFilesystem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each container's writable layer holds, measured off the request path: walking an upper
 * dir costs a stat per file, too much for every ListContainerStats at 110 pods. The first
 * request for a container measures it at once; later requests get the cached figure and, once it
 * is older than {@link #MAX_AGE_NANOS}, queue a re-measurement on one background thread. Polled
 * every 10 s as kubelet does, each layer is walked about every 15 s; nobody polling, nothing is
 * walked, and the thread ends when idle.
 */
final class WritableLayers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WritableLayers.class);
  static final long MAX_AGE_NANOS = 15_000_000_000L;

  /** Walks one container's writable layer; empty when it has none (removed meanwhile). */
  @FunctionalInterface
  interface Probe {
    Optional<ImageFilesystem.Usage> measure(String containerId) throws IOException;
  }

  private record Entry(ImageFilesystem.Usage usage, long measuredMonotonicNanos) {}

  private final Probe probe;
  private final long maxAgeNanos;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final ExecutorService refresher;
  private final Timer firstSight;
  private final Timer refresh;
  private final Counter failures;

  WritableLayers(Probe probe, long maxAgeNanos, MeterRegistry registry) {
    this.probe = requireNonNull(probe, "probe");
    this.maxAgeNanos = maxAgeNanos;
    this.refresher = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        Thread.ofPlatform().daemon().name("podshim-layer-usage").factory());
    Timer.Builder walks = Timer.builder("podshim.stats.layer.walk.duration")
        .description("time to measure one container's writable layer");
    this.firstSight = walks.tag("trigger", "first").register(registry);
    this.refresh = walks.tag("trigger", "refresh").register(registry);
    this.failures = StatsService.failures(registry, "layer");
  }

  /** The latest figure for the container; null when it has no writable layer or it cannot be read. */
  ImageFilesystem.@Nullable Usage get(String containerId) {
    Entry entry = cache.get(containerId);
    if (entry == null) {
      return measure(containerId, false);
    }
    if (System.nanoTime() - entry.measuredMonotonicNanos() > maxAgeNanos && queued.add(containerId)) {
      refresher.execute(() -> {
        try {
          measure(containerId, true);
        } finally {
          queued.remove(containerId);
        }
      });
    }
    return entry.usage();
  }

  /**
   * A refresh updates only a figure still cached: one that {@link #retainOnly} dropped while the
   * walk ran stays dropped (its container is gone), instead of coming back for good.
   */
  private ImageFilesystem.@Nullable Usage measure(String containerId, boolean refreshing) {
    Timer timer = refreshing ? refresh : firstSight;
    long start = System.nanoTime();
    try {
      Optional<ImageFilesystem.Usage> usage = probe.measure(containerId);
      long end = System.nanoTime();
      timer.record(end - start, TimeUnit.NANOSECONDS);
      if (usage.isEmpty()) {
        cache.remove(containerId);
        return null;
      }
      Entry measured = new Entry(usage.get(), end);
      if (refreshing) {
        cache.computeIfPresent(containerId, (id, old) -> measured);
      } else {
        cache.put(containerId, measured);
      }
      return usage.get();
    } catch (IOException | RuntimeException e) {
      // a layer removed mid-walk, or one that cannot be read: the next request tries again
      failures.increment();
      LOG.atDebug().addKeyValue("container_id", containerId).log("measure writable layer: {}", e.toString());
      Entry stale = cache.get(containerId);
      return stale == null ? null : stale.usage();
    }
  }

  /** Forgets every container but these. */
  void retainOnly(Set<String> containerIds) {
    cache.keySet().retainAll(containerIds);
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
