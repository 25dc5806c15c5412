package dev.podshim.stats;

import static java.util.Objects.requireNonNull;

import dev.podshim.container.ContainerFilter;
import dev.podshim.container.ContainerService;
import dev.podshim.errors.CriException;
import dev.podshim.sandbox.Clock;
import dev.podshim.sandbox.SandboxFilter;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerStatus;
import dev.podshim.store.Sandbox;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage of containers and pods, read when asked: cgroup files and /proc/&lt;pause&gt;/net/dev per
 * call (a few small reads each, no process spawned), writable layers from {@link WritableLayers}'
 * cache. One container or pod that cannot be read is reported without the figures that failed,
 * never failing the whole list.
 */
public final class StatsService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatsService.class);

  private final SandboxService sandboxes;
  private final ContainerService containers;
  private final @Nullable CgroupReader cgroups;
  private final ContainerCgroups containerCgroups = new ContainerCgroups();
  private final CpuRates containerRates = new CpuRates();
  private final CpuRates podRates = new CpuRates();
  private final WritableLayers layers;
  private final Counter cgroupFailures;
  private final Counter networkFailures;

  StatsService(SandboxService sandboxes, ContainerService containers, @Nullable CgroupReader cgroups,
      WritableLayers.Probe layerProbe, long layerMaxAgeNanos, MeterRegistry registry) {
    this.sandboxes = requireNonNull(sandboxes, "sandboxes");
    this.containers = requireNonNull(containers, "containers");
    this.cgroups = cgroups;
    this.layers = new WritableLayers(layerProbe, layerMaxAgeNanos, registry);
    this.cgroupFailures = failures(registry, "cgroup");
    this.networkFailures = failures(registry, "network");
  }

  /** Wired to this machine: the cgroup version its mount table shows, layers from the image store. */
  public static StatsService create(SandboxService sandboxes, ContainerService containers, MeterRegistry registry) {
    CgroupReader reader = null;
    try {
      reader = CgroupReader.detect(Path.of("/proc/self/mountinfo"));
    } catch (IOException e) {
      LOG.atWarn().log("read the mount table for cgroups: {}; stats will carry no CPU or memory", e.toString());
    }
    if (reader == null) {
      LOG.atWarn().log("no cgroup hierarchy mounted; stats will carry no CPU or memory");
    }
    return new StatsService(sandboxes, containers, reader, containers::measureWritableLayer,
        WritableLayers.MAX_AGE_NANOS, registry);
  }

  static Counter failures(MeterRegistry registry, String source) {
    return Counter.builder("podshim.stats.read.failures")
        .description("container or pod usage that could not be read, by source (cgroup, network, layer)")
        .tag("source", source)
        .register(registry);
  }

  /** ContainerStats: NOT_FOUND for an unknown container. */
  public ContainerUsage container(String idOrPrefix, Detail detail) {
    return usage(containers.get(idOrPrefix), detail);
  }

  /**
   * ListContainerStats: the containers the filter matches (its state part is ignored) that have not
   * exited: cri-api asks for running ones, and an exited container has no usage left to report.
   */
  public List<ContainerUsage> containers(ContainerFilter filter, Detail detail) {
    ContainerFilter anyState = new ContainerFilter(filter.idPrefix(), null, filter.sandboxIdPrefix(), filter.labels());
    List<Container> matched = containers.list(anyState);
    if (anyState.equals(ContainerFilter.all())) {
      forgetContainersBut(matched);
    }
    return matched.stream().filter(StatsService::live).map(c -> usage(c, detail)).toList();
  }

  private static boolean live(Container c) {
    return c.status().state() != ContainerStatus.State.EXITED;
  }

  /** PodSandboxStats: NOT_FOUND for an unknown pod, FAILED_PRECONDITION for one that is not ready. */
  public PodUsage pod(String idOrPrefix, Detail detail) {
    Sandbox s = sandboxes.get(idOrPrefix);
    if (!s.status().ready()) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          "stats of pod sandbox " + s.id() + ": it is not ready");
    }
    return usage(s, containers.list(new ContainerFilter("", null, s.id(), Map.of())).stream()
        .filter(StatsService::live).toList(), detail);
  }

  /** ListPodSandboxStats and the pod metrics: ready pods only, as containerd does (others have no cgroup to read). */
  public List<PodUsage> pods(SandboxFilter filter, Detail detail) {
    List<Sandbox> ready = sandboxes.list(new SandboxFilter(filter.idPrefix(), true, filter.labels()));
    List<Container> all = containers.list(ContainerFilter.all());
    boolean everything = filter.idPrefix().isEmpty() && filter.labels().isEmpty();
    if (everything) {
      forgetContainersBut(all);
      podRates.retainOnly(ready.stream().map(Sandbox::id).collect(Collectors.toSet()));
    }
    Map<String, List<Container>> bySandbox = new HashMap<>();
    for (Container c : all.stream().filter(StatsService::live).toList()) {
      bySandbox.computeIfAbsent(c.metadata().sandboxId(), k -> new ArrayList<>()).add(c);
    }
    return ready.stream().map(s -> usage(s, bySandbox.getOrDefault(s.id(), List.of()), detail)).toList();
  }

  private ContainerUsage usage(Container c, Detail detail) {
    ContainerStatus.State state = c.status().state();
    CgroupSample sample = null;
    if (state == ContainerStatus.State.RUNNING || state == ContainerStatus.State.CREATED) {
      // runc made the cgroup at create; after the exit its figures are leftovers
      sample = containerCgroups.of(c).map(path -> read(path, detail, c.id())).orElse(null);
    }
    return new ContainerUsage(c, sample, rate(containerRates, c.id(), sample), layers.get(c.id()));
  }

  private PodUsage usage(Sandbox s, List<Container> its, Detail detail) {
    List<ContainerUsage> usages = its.stream().map(c -> usage(c, detail)).toList();
    String podCgroup = podCgroup(s);
    CgroupSample sample;
    if (podCgroup != null) {
      sample = read(podCgroup, detail, s.id());
    } else {
      // no cgroup of its own (no cgroup_parent): pause sits in ours, its containers each in theirs
      List<CgroupSample> parts = usages.stream().map(ContainerUsage::cgroup).filter(Objects::nonNull).toList();
      sample = parts.isEmpty() && cgroups == null ? null
          : CgroupSample.sum(Clock.nowNanos(), System.nanoTime(), parts);
    }
    return new PodUsage(s, sample, rate(podRates, s.id(), sample), network(s), usages);
  }

  /** The pod cgroup is the parent kubelet made (cgroup_parent), which holds pause's leaf and every container. */
  private static @Nullable String podCgroup(Sandbox s) {
    String pause = s.metadata().cgroupPath();
    if (pause.isEmpty()) {
      return null;
    }
    Path parent = Path.of(pause).getParent();
    return parent == null || parent.toString().equals("/") ? null : parent.toString();
  }

  private @Nullable NetworkSample network(Sandbox s) {
    if (s.metadata().config().namespaces().hostNetwork() || !s.status().pauseAlive()) {
      return null;
    }
    try {
      return NetworkSample.of(Clock.nowNanos(), NetDev.ofProcess(s.status().pid()));
    } catch (IOException | RuntimeException e) {
      networkFailures.increment();
      LOG.atDebug().addKeyValue("sandbox_id", s.id()).log("read pod network counters: {}", e.toString());
      return null;
    }
  }

  private @Nullable CgroupSample read(String relPath, Detail detail, String id) {
    if (cgroups == null) {
      return null;
    }
    try {
      return cgroups.read(relPath, detail);
    } catch (IOException | RuntimeException e) {
      // a cgroup removed while we read it fails with ENODEV; anything else is worth counting too
      cgroupFailures.increment();
      LOG.atDebug().addKeyValue("id", id).addKeyValue("cgroup", relPath).log("read cgroup: {}", e.toString());
      return null;
    }
  }

  private static OptionalLong rate(CpuRates rates, String key, @Nullable CgroupSample sample) {
    if (sample == null || sample.cpu() == null) {
      return OptionalLong.empty();
    }
    return rates.nanoCores(key, sample.monotonicNanos(), sample.cpu().usageNanos());
  }

  private void forgetContainersBut(List<Container> live) {
    Set<String> ids = live.stream().map(Container::id).collect(Collectors.toSet());
    containerRates.retainOnly(ids);
    containerCgroups.retainOnly(ids);
    layers.retainOnly(ids);
  }

  @Override
  public void close() {
    layers.close();
  }
}
