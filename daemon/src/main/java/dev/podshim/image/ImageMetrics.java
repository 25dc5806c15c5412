package dev.podshim.image;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The image area's meters: pull duration and outcome, bytes downloaded, layers reused, failures
 * by reason, and the store's size. The service records into them from the start; binding adds
 * the daemon's registry.
 */
public final class ImageMetrics implements MeterBinder {
  /** Why a pull failed; the {@code reason} tag's few values. */
  public enum FailureReason {
    AUTH, NOT_FOUND, DIGEST_MISMATCH, NETWORK, OTHER;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  // Meters are looked up on each use, so the daemon's registry joins an empty composite (adding
  // one to a composite that already holds meters makes Micrometer warn on every start-up).
  private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
  private final LongSupplier storeSize;

  ImageMetrics(LongSupplier storeSize) {
    this.storeSize = storeSize;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    meters.add(registry);
    pullTimer("success");
    pullTimer("failure");
    bytes();
    reused();
    for (FailureReason r : FailureReason.values()) {
      failures(r);
    }
    Gauge.builder("podshim.image.store.size", this, m -> m.storeSize.getAsLong()).baseUnit("bytes")
        .description("bytes the image store occupies on disk, as ImageFsInfo reports them").register(meters);
  }

  private Timer pullTimer(String outcome) {
    return Timer.builder("podshim.image.pull.duration").description("time to pull an image, download and unpack")
        .tag("outcome", outcome).register(meters);
  }

  private Counter bytes() {
    return Counter.builder("podshim.image.pull.bytes").baseUnit("bytes")
        .description("bytes downloaded from registries by image pulls").register(meters);
  }

  private Counter reused() {
    return Counter.builder("podshim.image.layers.reused")
        .description("layers a pull found already unpacked and did not download").register(meters);
  }

  private Counter failures(FailureReason reason) {
    return Counter.builder("podshim.image.pull.failures").description("image pulls that failed, by reason")
        .tag("reason", reason.tag()).register(meters);
  }

  void pulled(long nanos) {
    pullTimer("success").record(nanos, TimeUnit.NANOSECONDS);
  }

  void failed(long nanos, FailureReason reason) {
    pullTimer("failure").record(nanos, TimeUnit.NANOSECONDS);
    failures(reason).increment();
  }

  void downloaded(long n) {
    bytes().increment(n);
  }

  void layerReused() {
    reused().increment();
  }
}
