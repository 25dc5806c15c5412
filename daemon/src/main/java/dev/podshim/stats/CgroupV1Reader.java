package dev.podshim.stats;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * cgroup v1: one hierarchy per controller (or a few combined, as {@code cpu,cpuacct}). Memory
 * figures come from the {@code total_*} lines of memory.stat, which include child cgroups, so a
 * pod cgroup counts its containers.
 */
final class CgroupV1Reader implements CgroupReader {
  static final Set<String> CONTROLLERS = Set.of("cpu", "cpuacct", "memory", "pids");
  /** cpuacct.stat counts USER_HZ ticks, which Linux fixes at 100 a second for user space. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private final Map<String, Path> mounts;

  /** @param mounts controller name → its hierarchy's mount point; absent controllers are skipped */
  CgroupV1Reader(Map<String, Path> mounts) {
    this.mounts = Map.copyOf(requireNonNull(mounts, "mounts"));
  }

  @Override
  public @Nullable CgroupSample read(String relPath, Detail depth) throws IOException {
    if (!CgroupReader.plausible(relPath)) {
      return null;
    }
    // no existence checks first: a missing file says the same, one system call cheaper per controller
    long wall = dev.podshim.sandbox.Clock.nowNanos();
    long mono = System.nanoTime();
    Path cpuacct = dir("cpuacct", relPath);
    Path memory = dir("memory", relPath);
    CgroupSample.Cpu cpu = cpuacct == null ? null : cpu(cpuacct, dir("cpu", relPath), depth);
    CgroupSample.Memory mem = memory == null ? null : memory(memory, depth);
    if (cpu == null && mem == null) {
      return null;
    }
    Path pids = dir("pids", relPath);
    OptionalLong processes = pids == null ? OptionalLong.empty() : CgroupFiles.single(pids.resolve("pids.current"));
    return new CgroupSample(wall, mono, cpu, mem, processes);
  }

  private CgroupSample.@Nullable Cpu cpu(Path cpuacct, @Nullable Path cpuDir, Detail depth) throws IOException {
    OptionalLong usage = CgroupFiles.single(cpuacct.resolve("cpuacct.usage"));
    if (usage.isEmpty()) {
      return null;
    }
    if (depth == Detail.STATS) {
      return new CgroupSample.Cpu(usage.getAsLong(), 0, 0, 0, 0, 0);
    }
    Map<String, Long> ticks = CgroupFiles.keyed(cpuacct.resolve("cpuacct.stat"));
    Map<String, Long> cfs = cpuDir == null ? Map.of() : CgroupFiles.keyed(cpuDir.resolve("cpu.stat"));
    return new CgroupSample.Cpu(usage.getAsLong(), ticks.getOrDefault("user", 0L) * NANOS_PER_TICK,
        ticks.getOrDefault("system", 0L) * NANOS_PER_TICK, cfs.getOrDefault("nr_periods", 0L),
        cfs.getOrDefault("nr_throttled", 0L), cfs.getOrDefault("throttled_time", 0L));
  }

  private static CgroupSample.@Nullable Memory memory(Path dir, Detail depth) throws IOException {
    OptionalLong usage = CgroupFiles.single(dir.resolve("memory.usage_in_bytes"));
    if (usage.isEmpty()) {
      return null;
    }
    Map<String, Long> stat = CgroupFiles.keyed(dir.resolve("memory.stat"));
    OptionalLong limit = CgroupFiles.limit(dir.resolve("memory.limit_in_bytes"));
    // memsw counts memory and swap together; the files exist only with swap accounting on
    OptionalLong memsw = CgroupFiles.single(dir.resolve("memory.memsw.usage_in_bytes"));
    OptionalLong swap = memsw.isPresent()
        ? OptionalLong.of(Math.max(0, memsw.getAsLong() - usage.getAsLong())) : OptionalLong.empty();
    OptionalLong memswLimit = memsw.isPresent()
        ? CgroupFiles.limit(dir.resolve("memory.memsw.limit_in_bytes")) : OptionalLong.empty();
    OptionalLong swapLimit = memswLimit.isPresent() && limit.isPresent()
        ? OptionalLong.of(Math.max(0, memswLimit.getAsLong() - limit.getAsLong())) : OptionalLong.empty();
    boolean metrics = depth == Detail.METRICS;
    OptionalLong max = metrics ? CgroupFiles.single(dir.resolve("memory.max_usage_in_bytes")) : OptionalLong.empty();
    OptionalLong failcnt = metrics ? CgroupFiles.single(dir.resolve("memory.failcnt")) : OptionalLong.empty();
    OptionalLong oomKills = OptionalLong.empty();
    if (metrics) {
      Long kills = CgroupFiles.keyed(dir.resolve("memory.oom_control")).get("oom_kill");
      oomKills = kills == null ? OptionalLong.empty() : OptionalLong.of(kills);
    }
    return new CgroupSample.Memory(usage.getAsLong(), limit, stat.getOrDefault("total_rss", 0L),
        stat.getOrDefault("total_cache", 0L), stat.getOrDefault("total_mapped_file", 0L),
        stat.getOrDefault("total_active_file", 0L), stat.getOrDefault("total_inactive_file", 0L),
        stat.getOrDefault("total_pgfault", 0L), stat.getOrDefault("total_pgmajfault", 0L), swap, swapLimit, max,
        failcnt, oomKills);
  }

  private @Nullable Path dir(String controller, String relPath) {
    Path mount = mounts.get(controller);
    return mount == null ? null : CgroupReader.under(mount, relPath);
  }
}
