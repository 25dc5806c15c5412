package dev.podshim.stats;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * cgroup v2: one tree, every controller's files in the cgroup's own directory. memory.stat and
 * cpu.stat are recursive already; CPU times are in microseconds.
 */
final class CgroupV2Reader implements CgroupReader {
  private static final long NANOS_PER_MICRO = 1_000L;

  private final Path root;

  CgroupV2Reader(Path root) {
    this.root = requireNonNull(root, "root");
  }

  @Override
  public @Nullable CgroupSample read(String relPath, Detail depth) throws IOException {
    if (!CgroupReader.plausible(relPath)) {
      return null;
    }
    Path dir = CgroupReader.under(root, relPath);
    long wall = dev.podshim.sandbox.Clock.nowNanos();
    long mono = System.nanoTime();
    CgroupSample.Cpu cpu = cpu(dir);
    CgroupSample.Memory memory = memory(dir, depth);
    if (cpu == null && memory == null) {
      return null; // no such cgroup: every cgroup has cpu.stat
    }
    return new CgroupSample(wall, mono, cpu, memory, CgroupFiles.single(dir.resolve("pids.current")));
  }

  /** cpu.stat exists in every v2 cgroup; the throttling lines only with the cpu controller enabled. */
  private static CgroupSample.@Nullable Cpu cpu(Path dir) throws IOException {
    Map<String, Long> stat = CgroupFiles.keyed(dir.resolve("cpu.stat"));
    Long usage = stat.get("usage_usec");
    if (usage == null) {
      return null;
    }
    return new CgroupSample.Cpu(usage * NANOS_PER_MICRO, stat.getOrDefault("user_usec", 0L) * NANOS_PER_MICRO,
        stat.getOrDefault("system_usec", 0L) * NANOS_PER_MICRO, stat.getOrDefault("nr_periods", 0L),
        stat.getOrDefault("nr_throttled", 0L), stat.getOrDefault("throttled_usec", 0L) * NANOS_PER_MICRO);
  }

  private static CgroupSample.@Nullable Memory memory(Path dir, Detail depth) throws IOException {
    OptionalLong usage = CgroupFiles.single(dir.resolve("memory.current"));
    if (usage.isEmpty()) {
      return null;
    }
    Map<String, Long> stat = CgroupFiles.keyed(dir.resolve("memory.stat"));
    boolean metrics = depth == Detail.METRICS;
    OptionalLong oomKills = OptionalLong.empty();
    if (metrics) {
      Long kills = CgroupFiles.keyed(dir.resolve("memory.events")).get("oom_kill");
      oomKills = kills == null ? OptionalLong.empty() : OptionalLong.of(kills);
    }
    return new CgroupSample.Memory(usage.getAsLong(), CgroupFiles.limit(dir.resolve("memory.max")),
        stat.getOrDefault("anon", 0L), stat.getOrDefault("file", 0L), stat.getOrDefault("file_mapped", 0L),
        stat.getOrDefault("active_file", 0L), stat.getOrDefault("inactive_file", 0L),
        stat.getOrDefault("pgfault", 0L), stat.getOrDefault("pgmajfault", 0L),
        CgroupFiles.single(dir.resolve("memory.swap.current")), CgroupFiles.limit(dir.resolve("memory.swap.max")),
        // memory.peak appeared in Linux 5.19; v2 keeps no failure count
        metrics ? CgroupFiles.single(dir.resolve("memory.peak")) : OptionalLong.empty(), OptionalLong.empty(),
        oomKills);
  }
}
