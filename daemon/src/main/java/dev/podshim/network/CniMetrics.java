package dev.podshim.network;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * CNI meters: the duration and errors of each plugin execution, tagged by operation
 * (ADD/DEL/CHECK) and plugin type, and the pod IPs currently allocated through this daemon's
 * attachments. IPs are counted per attachment, so a repeated detach never counts twice.
 */
final class CniMetrics implements MeterBinder {
  private final Map<String, Integer> ipsByAttachment = new ConcurrentHashMap<>();
  // Until bound, meters go nowhere; keeps the class usable without a registry in tests.
  private volatile MeterRegistry registry = new SimpleMeterRegistry();

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("podshim.pod.ips", this, CniMetrics::podIps)
        .description("pod IP addresses currently allocated through CNI attachments")
        .register(registry);
  }

  void recordPlugin(String operation, String plugin, long nanos, boolean failed) {
    Timer.builder("podshim.cni.operation.duration")
        .description("time one CNI plugin took for one operation")
        .tag("operation", operation).tag("plugin", plugin)
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    if (failed) {
      Counter.builder("podshim.cni.operation.errors")
          .description("CNI plugin executions that failed or timed out")
          .tag("operation", operation).tag("plugin", plugin)
          .register(registry).increment();
    }
  }

  void attached(String attachmentKey, int ips) {
    ipsByAttachment.put(attachmentKey, ips);
  }

  void detached(String attachmentKey) {
    ipsByAttachment.remove(attachmentKey);
  }

  void replaceAll(Map<String, Integer> ips) {
    ipsByAttachment.clear();
    ipsByAttachment.putAll(ips);
  }

  int podIps() {
    return ipsByAttachment.values().stream().mapToInt(Integer::intValue).sum();
  }
}
