package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's CPUs, memory nodes and cgroup layout, from fixture sysfs and mount tables. */
class NodeResourcesTest {
  @TempDir Path dir;

  @Test
  void onlineCpusAndNodesAndTheCgroupVersionAreRead() throws IOException {
    Path system = dir.resolve("system");
    Files.createDirectories(system.resolve("cpu"));
    Files.createDirectories(system.resolve("node"));
    Files.writeString(system.resolve("cpu/online"), "0-3,6\n");
    Files.writeString(system.resolve("node/online"), "0-1\n");
    Path cgroup = Files.createDirectories(dir.resolve("cgroup"));
    Path v2 = Files.writeString(dir.resolve("v2"), "30 23 0:27 / " + cgroup + " rw - cgroup2 cgroup2 rw\n");
    Path hybrid = Files.writeString(dir.resolve("hybrid"), "30 23 0:27 / " + cgroup + "/unified rw - cgroup2 cgroup2 rw\n");

    NodeResources node = NodeResources.read(v2, cgroup, system, Hugetlb.none());
    assertThat(node.unifiedCgroup()).isTrue();
    assertThat(node.cpus().firstMissingOf(CpuList.parse("0-3,6"))).isEqualTo(-1);
    assertThat(node.cpus().firstMissingOf(CpuList.parse("3-7"))).isEqualTo(4);
    assertThat(node.mems().firstMissingOf(CpuList.parse("1"))).isEqualTo(-1);
    assertThat(NodeResources.read(hybrid, cgroup, system, Hugetlb.none()).unifiedCgroup()).isFalse();
  }

  /** A kernel without NUMA has no node directory: node 0 alone. */
  @Test
  void withoutNumaThereIsNodeZeroAlone() {
    NodeResources node = NodeResources.read(dir.resolve("none"), dir, dir.resolve("missing"), Hugetlb.none());
    assertThat(node.mems().firstMissingOf(CpuList.parse("0"))).isEqualTo(-1);
    assertThat(node.mems().firstMissingOf(CpuList.parse("0-1"))).isEqualTo(1);
  }

  @Test
  void thisNodeHasCpuZeroOnline() {
    assertThat(NodeResources.read().cpus().firstMissingOf(CpuList.parse("0"))).isEqualTo(-1);
  }
}
