package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streaming server's meters, registered once: sessions in progress by kind
 * ({@code podshim_streaming_sessions_active}), sessions ended by kind and outcome
 * ({@code podshim_streaming_sessions_total}), and bytes streamed by kind and direction
 * ({@code podshim_streaming_bytes_total}; in = from the client, out = to it).
 */
final class StreamingMetrics {
  private final Map<SessionKind, AtomicInteger> active = new EnumMap<>(SessionKind.class);
  private final Map<SessionKind, Map<Outcome, Counter>> sessions = new EnumMap<>(SessionKind.class);
  private final Map<SessionKind, Counter> bytesIn = new EnumMap<>(SessionKind.class);
  private final Map<SessionKind, Counter> bytesOut = new EnumMap<>(SessionKind.class);

  StreamingMetrics(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    for (SessionKind kind : SessionKind.values()) {
      AtomicInteger count = new AtomicInteger();
      active.put(kind, count);
      Gauge.builder("podshim.streaming.sessions.active", count, AtomicInteger::get)
          .description("streaming sessions in progress")
          .tag("kind", kind.tag())
          .register(registry);
      Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome outcome : Outcome.values()) {
        byOutcome.put(outcome, Counter.builder("podshim.streaming.sessions")
            .description("streaming sessions ended (or refused), by how they ended")
            .tag("kind", kind.tag())
            .tag("outcome", outcome.tag())
            .register(registry));
      }
      sessions.put(kind, byOutcome);
      bytesIn.put(kind, bytes(registry, kind, "in"));
      bytesOut.put(kind, bytes(registry, kind, "out"));
    }
  }

  private static Counter bytes(MeterRegistry registry, SessionKind kind, String direction) {
    return Counter.builder("podshim.streaming.bytes")
        .description("payload bytes streamed: in from the client, out to it")
        .baseUnit("bytes")
        .tag("kind", kind.tag())
        .tag("direction", direction)
        .register(registry);
  }

  void started(SessionKind kind) {
    active.get(kind).incrementAndGet();
  }

  void ended(SessionKind kind, Outcome outcome) {
    active.get(kind).decrementAndGet();
    sessions.get(kind).get(outcome).increment();
  }

  void rejected(SessionKind kind) {
    sessions.get(kind).get(Outcome.REJECTED).increment();
  }

  void bytesIn(SessionKind kind, long n) {
    bytesIn.get(kind).increment(n);
  }

  void bytesOut(SessionKind kind, long n) {
    bytesOut.get(kind).increment(n);
  }
}
