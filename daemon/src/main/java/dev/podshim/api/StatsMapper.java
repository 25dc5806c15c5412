package dev.podshim.api;

import dev.podshim.cri.v1.ContainerAttributes;
import dev.podshim.cri.v1.ContainerStats;
import dev.podshim.cri.v1.CpuUsage;
import dev.podshim.cri.v1.FilesystemIdentifier;
import dev.podshim.cri.v1.FilesystemUsage;
import dev.podshim.cri.v1.LinuxPodSandboxStats;
import dev.podshim.cri.v1.MemoryUsage;
import dev.podshim.cri.v1.NetworkInterfaceUsage;
import dev.podshim.cri.v1.NetworkUsage;
import dev.podshim.cri.v1.PodSandboxAttributes;
import dev.podshim.cri.v1.PodSandboxStats;
import dev.podshim.cri.v1.ProcessUsage;
import dev.podshim.cri.v1.SwapUsage;
import dev.podshim.cri.v1.UInt64Value;
import dev.podshim.image.ImageFilesystem;
import dev.podshim.stats.CgroupSample;
import dev.podshim.stats.ContainerUsage;
import dev.podshim.stats.InterfaceStats;
import dev.podshim.stats.NetworkSample;
import dev.podshim.stats.PodUsage;
import dev.podshim.store.Container;
import dev.podshim.store.Sandbox;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Usage → the CRI's ContainerStats and PodSandboxStats. A figure that could not be read is left
 * unset (kubelet tells absent from zero), never reported as 0.
 */
final class StatsMapper {
  private StatsMapper() {}

  static ContainerStats toContainerStats(ContainerUsage u) {
    Container c = u.container();
    ContainerStats.Builder out = ContainerStats.newBuilder().setAttributes(ContainerAttributes.newBuilder()
        .setId(c.id())
        .setMetadata(ContainerMapper.metadata(c.metadata().config()))
        .putAllLabels(c.metadata().config().labels())
        .putAllAnnotations(c.metadata().config().annotations()));
    CgroupSample sample = u.cgroup();
    if (sample != null) {
      CpuUsage cpu = cpu(sample, u.nanoCores());
      if (cpu != null) {
        out.setCpu(cpu);
      }
      MemoryUsage memory = memory(sample);
      if (memory != null) {
        out.setMemory(memory);
      }
      SwapUsage swap = swap(sample);
      if (swap != null) {
        out.setSwap(swap);
      }
    }
    ImageFilesystem.Usage layer = u.writableLayer();
    if (layer != null) {
      out.setWritableLayer(FilesystemUsage.newBuilder()
          .setTimestamp(layer.timestampNanos())
          .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(layer.mountpoint()))
          .setUsedBytes(value(layer.usedBytes()))
          .setInodesUsed(value(layer.inodesUsed())));
    }
    return out.build();
  }

  static PodSandboxStats toPodStats(PodUsage u) {
    Sandbox s = u.sandbox();
    LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder();
    CgroupSample sample = u.cgroup();
    if (sample != null) {
      CpuUsage cpu = cpu(sample, u.nanoCores());
      if (cpu != null) {
        linux.setCpu(cpu);
      }
      MemoryUsage memory = memory(sample);
      if (memory != null) {
        linux.setMemory(memory);
      }
      if (sample.processes().isPresent()) {
        linux.setProcess(ProcessUsage.newBuilder().setTimestamp(sample.timestampNanos())
            .setProcessCount(value(sample.processes().getAsLong())));
      }
    }
    NetworkSample network = u.network();
    if (network != null) {
      NetworkUsage.Builder net = NetworkUsage.newBuilder().setTimestamp(network.timestampNanos())
          .setDefaultInterface(networkInterface(network.defaultInterface()));
      network.interfaces().forEach(i -> net.addInterfaces(networkInterface(i)));
      linux.setNetwork(net);
    }
    u.containers().forEach(c -> linux.addContainers(toContainerStats(c)));
    return PodSandboxStats.newBuilder()
        .setAttributes(PodSandboxAttributes.newBuilder()
            .setId(s.id())
            .setMetadata(SandboxMapper.metadata(s.metadata().config().metadata()))
            .putAllLabels(s.metadata().config().labels())
            .putAllAnnotations(s.metadata().config().annotations()))
        .setLinux(linux)
        .build();
  }

  private static @Nullable CpuUsage cpu(CgroupSample sample, OptionalLong nanoCores) {
    CgroupSample.Cpu cpu = sample.cpu();
    if (cpu == null) {
      return null;
    }
    CpuUsage.Builder out = CpuUsage.newBuilder().setTimestamp(sample.timestampNanos())
        .setUsageCoreNanoSeconds(value(cpu.usageNanos()));
    nanoCores.ifPresent(n -> out.setUsageNanoCores(value(n)));
    return out.build();
  }

  private static @Nullable MemoryUsage memory(CgroupSample sample) {
    CgroupSample.Memory m = sample.memory();
    if (m == null) {
      return null;
    }
    MemoryUsage.Builder out = MemoryUsage.newBuilder().setTimestamp(sample.timestampNanos())
        .setWorkingSetBytes(value(m.workingSetBytes()))
        .setUsageBytes(value(m.usageBytes()))
        .setRssBytes(value(m.rssBytes()))
        .setPageFaults(value(m.pageFaults()))
        .setMajorPageFaults(value(m.majorPageFaults()));
    m.availableBytes().ifPresent(a -> out.setAvailableBytes(value(a)));
    return out.build();
  }

  private static @Nullable SwapUsage swap(CgroupSample sample) {
    CgroupSample.Memory m = sample.memory();
    if (m == null || m.swapBytes().isEmpty()) {
      return null;
    }
    SwapUsage.Builder out = SwapUsage.newBuilder().setTimestamp(sample.timestampNanos())
        .setSwapUsageBytes(value(m.swapBytes().getAsLong()));
    m.swapAvailableBytes().ifPresent(a -> out.setSwapAvailableBytes(value(a)));
    return out.build();
  }

  private static NetworkInterfaceUsage networkInterface(InterfaceStats i) {
    return NetworkInterfaceUsage.newBuilder().setName(i.name())
        .setRxBytes(value(i.rxBytes())).setRxErrors(value(i.rxErrors()))
        .setTxBytes(value(i.txBytes())).setTxErrors(value(i.txErrors()))
        .build();
  }

  static UInt64Value value(long v) {
    return UInt64Value.newBuilder().setValue(v).build();
  }
}
