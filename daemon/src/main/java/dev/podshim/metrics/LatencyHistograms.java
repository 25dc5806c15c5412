package dev.podshim.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The fixed latency buckets of podshim's duration histograms: 15 bounds from 1 ms to 60 s, so that
 * each operation and code costs 18 series (15 buckets, +Inf, _count, _sum) instead of the ~70 of
 * Micrometer's percentile histogram. The bounds follow a 1-2.5-5 progression like kubelet's
 * runtime-operation histogram (5 ms × 2.5^k), starting lower because most CRI reads answer in a
 * millisecond or two, and ending at 60 s; anything slower (kubelet gives up on a runtime call
 * after 2 min) lands in +Inf.
 *
 * <p>Applied as a registry filter, so that the meters' owners ({@code transport}, {@code network},
 * {@code image}) need not depend on this package: every timer named in {@link #NAMES} gets these
 * buckets and no percentile histogram.
 */
public final class LatencyHistograms {
  /** Upper bounds of the buckets, in increasing order. */
  public static final List<Duration> BUCKETS = List.of(
      Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5),
      Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60));

  /** The timers that are histograms with {@link #BUCKETS}. */
  public static final Set<String> NAMES = Set.of(
      "podshim.rpc.duration", "podshim.cni.operation.duration", "podshim.image.pull.duration");

  private LatencyHistograms() {
  }

  /** A filter that gives the timers in {@link #NAMES} the fixed buckets. */
  public static MeterFilter filter() {
    double[] bounds = BUCKETS.stream().mapToDouble(Duration::toNanos).toArray();
    DistributionStatisticConfig fixed = DistributionStatisticConfig.builder()
        .percentilesHistogram(false)
        .serviceLevelObjectives(bounds)
        .build();
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return id.getType() == Meter.Type.TIMER && NAMES.contains(id.getName()) ? fixed.merge(config) : config;
      }
    };
  }
}
