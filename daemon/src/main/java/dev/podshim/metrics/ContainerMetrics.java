package dev.podshim.metrics;

import dev.podshim.container.ContainerFilter;
import dev.podshim.container.ContainerService;
import dev.podshim.store.ContainerStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Map;

/**
 * Containers by state, conmon processes alive against those expected (created or running
 * containers: fewer alive is a crash or a leak), and OOM kills; read at scrape time.
 */
public final class ContainerMetrics implements MeterBinder {
  private final ContainerService containers;

  public ContainerMetrics(ContainerService containers) {
    this.containers = containers;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (ContainerStatus.State state : ContainerStatus.State.values()) {
      Gauge.builder("podshim.containers", containers,
              c -> c.list(new ContainerFilter("", state, "", Map.of())).size())
          .description("containers by CRI state")
          .tag("state", state.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    Gauge.builder("podshim.conmon.processes", containers, ContainerService::conmonsAlive)
        .description("conmon processes alive and watched")
        .register(registry);
    Gauge.builder("podshim.conmon.expected", containers, c -> c.list(ContainerFilter.all()).stream()
            .filter(x -> x.status().state() != ContainerStatus.State.EXITED).count())
        .description("containers created or running, each of which should have a live conmon")
        .register(registry);
    FunctionCounter.builder("podshim.container.oom.kills", containers, ContainerService::oomKills)
        .description("containers that ended killed by the OOM killer, since start-up")
        .register(registry);
  }
}
