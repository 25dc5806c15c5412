package dev.podshim.metrics;

import dev.podshim.sandbox.SandboxFilter;
import dev.podshim.sandbox.SandboxService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;

/** Sandboxes by state and pause processes alive, read from the sandbox service at scrape time. */
public final class SandboxMetrics implements MeterBinder {
  private final SandboxService sandboxes;

  public SandboxMetrics(SandboxService sandboxes) {
    this.sandboxes = sandboxes;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (boolean ready : new boolean[] {true, false}) {
      Gauge.builder("podshim.sandboxes", sandboxes,
              s -> s.list(new SandboxFilter("", ready, Map.of())).size())
          .description("pod sandboxes by CRI state")
          .tag("state", ready ? "ready" : "notready")
          .register(registry);
    }
    Gauge.builder("podshim.pause.processes", sandboxes, SandboxService::pausesAlive)
        .description("pause processes alive and watched")
        .register(registry);
  }
}
