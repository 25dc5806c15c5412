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

  private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
  private final LongSupplier storeSize;
  private final Timer pullSuccess;
  private final Timer pullFailure;
  private final Counter bytes;
  private final Counter reused;

  ImageMetrics(LongSupplier storeSize) {
    this.storeSize = storeSize;
    this.pullSuccess = pullTimer("success");
    this.pullFailure = pullTimer("failure");
    this.bytes = Counter.builder("podshim.image.pull.bytes").baseUnit("bytes")
        .description("bytes downloaded from registries by image pulls").register(meters);
    this.reused = Counter.builder("podshim.image.layers.reused")
        .description("layers a pull found already unpacked and did not download").register(meters);
    for (FailureReason r : FailureReason.values()) {
      failures(r);
    }
    Gauge.builder("podshim.image.store.size", this, m -> m.storeSize.getAsLong()).baseUnit("bytes")
        .description("bytes of blobs and unpacked layers in the image store").register(meters);
  }

  private Timer pullTimer(String outcome) {
    return Timer.builder("podshim.image.pull.duration").description("time to pull an image, download and unpack")
        .tag("outcome", outcome).register(meters);
  }

  private Counter failures(FailureReason reason) {
    return Counter.builder("podshim.image.pull.failures").description("image pulls that failed, by reason")
        .tag("reason", reason.tag()).register(meters);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    meters.add(registry);
  }

  void pulled(long nanos) {
    pullSuccess.record(nanos, TimeUnit.NANOSECONDS);
  }

  void failed(long nanos, FailureReason reason) {
    pullFailure.record(nanos, TimeUnit.NANOSECONDS);
    failures(reason).increment();
  }

  void downloaded(long n) {
    bytes.increment(n);
  }

  void layerReused() {
    reused.increment();
  }
}
