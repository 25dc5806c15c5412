package dev.podshim.api;

import dev.podshim.cri.v1.ContainerMetrics;
import dev.podshim.cri.v1.Metric;
import dev.podshim.cri.v1.MetricDescriptor;
import dev.podshim.cri.v1.MetricType;
import dev.podshim.cri.v1.PodSandboxMetrics;
import dev.podshim.image.ImageFilesystem;
import dev.podshim.sandbox.Clock;
import dev.podshim.stats.CgroupSample;
import dev.podshim.stats.ContainerUsage;
import dev.podshim.stats.InterfaceStats;
import dev.podshim.stats.NetworkSample;
import dev.podshim.stats.PodUsage;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.SandboxConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.ToLongFunction;

/**
 * The cAdvisor-named metrics kubelet serves on /metrics/cadvisor when it takes pod and container
 * stats from the runtime (PodAndContainerStatsFromCRI): their descriptors, fixed for the daemon's
 * life as cri-api requires, and each pod's and container's values. Values are whole numbers (the
 * CRI carries a UInt64), so seconds are truncated as containerd truncates them. Label values follow
 * the descriptors' keys: pod, namespace, container, id, image, and interface or device where named;
 * pod-level series have an empty container and image and the sandbox id as id, as cAdvisor's pod
 * cgroup series do.
 */
final class CadvisorMetrics {
  private static final List<String> BASE = List.of("pod", "namespace", "container", "id", "image");
  private static final List<String> NETWORK = plus(BASE, "interface");
  private static final List<String> DISK = plus(BASE, "device");
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private record Cgroup(String name, String help, MetricType type, ToLongFunction<CgroupSample> value,
      boolean present) {}

  private CadvisorMetrics() {}

  static final List<MetricDescriptor> DESCRIPTORS = List.of(
      descriptor("container_cpu_usage_seconds_total", "Cumulative CPU time consumed in seconds.", BASE),
      descriptor("container_cpu_user_seconds_total", "Cumulative user CPU time consumed in seconds.", BASE),
      descriptor("container_cpu_system_seconds_total", "Cumulative system CPU time consumed in seconds.", BASE),
      descriptor("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", BASE),
      descriptor("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", BASE),
      descriptor("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.", BASE),
      descriptor("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed.", BASE),
      descriptor("container_memory_working_set_bytes", "Current working set in bytes: usage less inactive file cache.", BASE),
      descriptor("container_memory_rss", "Size of RSS (anonymous memory) in bytes.", BASE),
      descriptor("container_memory_cache", "Number of bytes of page cache memory.", BASE),
      descriptor("container_memory_mapped_file", "Size of memory mapped files in bytes.", BASE),
      descriptor("container_memory_total_active_file_bytes", "Page cache on the active list, in bytes.", BASE),
      descriptor("container_memory_total_inactive_file_bytes", "Page cache on the inactive list, in bytes.", BASE),
      descriptor("container_memory_swap", "Container swap usage in bytes.", BASE),
      descriptor("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes.", BASE),
      descriptor("container_memory_failcnt", "Number of memory usage hits limits (cgroup v1 only).", BASE),
      descriptor("container_oom_events_total", "Count of out of memory events observed for the container.", BASE),
      descriptor("container_processes", "Number of processes running inside the container.", BASE),
      descriptor("container_network_receive_bytes_total", "Cumulative count of bytes received.", NETWORK),
      descriptor("container_network_receive_packets_total", "Cumulative count of packets received.", NETWORK),
      descriptor("container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving.", NETWORK),
      descriptor("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving.", NETWORK),
      descriptor("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.", NETWORK),
      descriptor("container_network_transmit_packets_total", "Cumulative count of packets transmitted.", NETWORK),
      descriptor("container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting.", NETWORK),
      descriptor("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting.", NETWORK),
      descriptor("container_fs_usage_bytes", "Number of bytes the container's writable layer consumes.", DISK),
      descriptor("container_fs_inodes_used", "Number of inodes the container's writable layer consumes.", DISK),
      descriptor("container_last_seen", "Last time a container was seen by the exporter, in unix seconds.", BASE),
      descriptor("container_start_time_seconds", "Start time of the container since unix epoch in seconds.", BASE),
      descriptor("container_spec_cpu_period", "CPU period of the container.", BASE),
      descriptor("container_spec_cpu_quota", "CPU quota of the container.", BASE),
      descriptor("container_spec_cpu_shares", "CPU share of the container.", BASE),
      descriptor("container_spec_memory_limit_bytes", "Memory limit for the container.", BASE));

  static PodSandboxMetrics toPodMetrics(PodUsage pod) {
    SandboxConfig.PodMetadata meta = pod.sandbox().metadata().config().metadata();
    List<String> podLabels = List.of(meta.name(), meta.namespace(), "", pod.sandbox().id(), "");
    long now = Clock.nowNanos();
    PodSandboxMetrics.Builder out = PodSandboxMetrics.newBuilder().setPodSandboxId(pod.sandbox().id());
    CgroupSample sample = pod.cgroup();
    if (sample != null) {
      out.addAllMetrics(cgroup(sample, podLabels));
    }
    NetworkSample network = pod.network();
    if (network != null) {
      for (InterfaceStats i : network.interfaces()) {
        out.addAllMetrics(network(network.timestampNanos(), plus(podLabels, i.name()), i));
      }
    }
    for (ContainerUsage c : pod.containers()) {
      if (c.cgroup() == null) {
        continue; // not started, or gone: cAdvisor too has no series for it
      }
      Container container = c.container();
      List<String> labels = List.of(meta.name(), meta.namespace(), container.metadata().config().name(),
          container.id(), container.metadata().imageName());
      out.addContainerMetrics(ContainerMetrics.newBuilder().setContainerId(container.id())
          .addAllMetrics(container(c, labels, now)));
    }
    return out.build();
  }

  private static List<Metric> container(ContainerUsage c, List<String> labels, long now) {
    List<Metric> out = new ArrayList<>(cgroup(c.cgroup(), labels));
    ImageFilesystem.Usage layer = c.writableLayer();
    if (layer != null) {
      List<String> disk = plus(labels, layer.mountpoint());
      out.add(metric("container_fs_usage_bytes", MetricType.GAUGE, layer.timestampNanos(), disk, layer.usedBytes()));
      out.add(metric("container_fs_inodes_used", MetricType.GAUGE, layer.timestampNanos(), disk, layer.inodesUsed()));
    }
    out.add(metric("container_last_seen", MetricType.GAUGE, now, labels, now / NANOS_PER_SECOND));
    long started = c.container().status().startedAtNanos();
    if (started > 0) {
      out.add(metric("container_start_time_seconds", MetricType.GAUGE, now, labels, started / NANOS_PER_SECOND));
    }
    ContainerConfig.Resources r = c.container().status().resources() != null
        ? c.container().status().resources() : c.container().metadata().config().resources();
    if (r.cpuPeriod() > 0) {
      out.add(metric("container_spec_cpu_period", MetricType.GAUGE, now, labels, r.cpuPeriod()));
    }
    if (r.cpuQuota() > 0) {
      out.add(metric("container_spec_cpu_quota", MetricType.GAUGE, now, labels, r.cpuQuota()));
    }
    if (r.cpuShares() > 0) {
      out.add(metric("container_spec_cpu_shares", MetricType.GAUGE, now, labels, r.cpuShares()));
    }
    out.add(metric("container_spec_memory_limit_bytes", MetricType.GAUGE, now, labels, Math.max(0, r.memoryLimitBytes())));
    return out;
  }

  private static List<Metric> cgroup(CgroupSample s, List<String> labels) {
    List<Metric> out = new ArrayList<>();
    long at = s.timestampNanos();
    CgroupSample.Cpu cpu = s.cpu();
    if (cpu != null) {
      out.add(metric("container_cpu_usage_seconds_total", MetricType.COUNTER, at, labels, cpu.usageNanos() / NANOS_PER_SECOND));
      out.add(metric("container_cpu_user_seconds_total", MetricType.COUNTER, at, labels, cpu.userNanos() / NANOS_PER_SECOND));
      out.add(metric("container_cpu_system_seconds_total", MetricType.COUNTER, at, labels, cpu.systemNanos() / NANOS_PER_SECOND));
      out.add(metric("container_cpu_cfs_periods_total", MetricType.COUNTER, at, labels, cpu.periods()));
      out.add(metric("container_cpu_cfs_throttled_periods_total", MetricType.COUNTER, at, labels, cpu.throttledPeriods()));
      out.add(metric("container_cpu_cfs_throttled_seconds_total", MetricType.COUNTER, at, labels, cpu.throttledNanos() / NANOS_PER_SECOND));
    }
    CgroupSample.Memory m = s.memory();
    if (m != null) {
      out.add(metric("container_memory_usage_bytes", MetricType.GAUGE, at, labels, m.usageBytes()));
      out.add(metric("container_memory_working_set_bytes", MetricType.GAUGE, at, labels, m.workingSetBytes()));
      out.add(metric("container_memory_rss", MetricType.GAUGE, at, labels, m.rssBytes()));
      out.add(metric("container_memory_cache", MetricType.GAUGE, at, labels, m.cacheBytes()));
      out.add(metric("container_memory_mapped_file", MetricType.GAUGE, at, labels, m.mappedFileBytes()));
      out.add(metric("container_memory_total_active_file_bytes", MetricType.GAUGE, at, labels, m.activeFileBytes()));
      out.add(metric("container_memory_total_inactive_file_bytes", MetricType.GAUGE, at, labels, m.inactiveFileBytes()));
      optional(out, "container_memory_swap", MetricType.GAUGE, at, labels, m.swapBytes());
      optional(out, "container_memory_max_usage_bytes", MetricType.GAUGE, at, labels, m.maxUsageBytes());
      optional(out, "container_memory_failcnt", MetricType.COUNTER, at, labels, m.failcnt());
      optional(out, "container_oom_events_total", MetricType.COUNTER, at, labels, m.oomKills());
    }
    optional(out, "container_processes", MetricType.GAUGE, at, labels, s.processes());
    return out;
  }

  private static List<Metric> network(long at, List<String> labels, InterfaceStats i) {
    return List.of(
        metric("container_network_receive_bytes_total", MetricType.COUNTER, at, labels, i.rxBytes()),
        metric("container_network_receive_packets_total", MetricType.COUNTER, at, labels, i.rxPackets()),
        metric("container_network_receive_packets_dropped_total", MetricType.COUNTER, at, labels, i.rxDropped()),
        metric("container_network_receive_errors_total", MetricType.COUNTER, at, labels, i.rxErrors()),
        metric("container_network_transmit_bytes_total", MetricType.COUNTER, at, labels, i.txBytes()),
        metric("container_network_transmit_packets_total", MetricType.COUNTER, at, labels, i.txPackets()),
        metric("container_network_transmit_packets_dropped_total", MetricType.COUNTER, at, labels, i.txDropped()),
        metric("container_network_transmit_errors_total", MetricType.COUNTER, at, labels, i.txErrors()));
  }

  private static void optional(List<Metric> out, String name, MetricType type, long at, List<String> labels,
      OptionalLong value) {
    value.ifPresent(v -> out.add(metric(name, type, at, labels, v)));
  }

  private static Metric metric(String name, MetricType type, long at, List<String> labels, long value) {
    return Metric.newBuilder().setName(name).setTimestamp(at).setMetricType(type).addAllLabelValues(labels)
        .setValue(StatsMapper.value(value)).build();
  }

  private static MetricDescriptor descriptor(String name, String help, List<String> labelKeys) {
    return MetricDescriptor.newBuilder().setName(name).setHelp(help).addAllLabelKeys(labelKeys).build();
  }

  private static List<String> plus(List<String> list, String last) {
    List<String> out = new ArrayList<>(list);
    out.add(last);
    return List.copyOf(out);
  }
}
