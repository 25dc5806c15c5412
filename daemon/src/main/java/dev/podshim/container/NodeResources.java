package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * What a container's resources are checked against, read once at start-up: the CPUs and memory
 * nodes online (a cpuset naming others fails in the kernel), whether the runtime works on cgroup
 * v2 alone ({@code unified} keys need it; runc refuses them on v1 and hybrid nodes), and the
 * node's huge pages.
 *
 * @param unifiedCgroup whether /sys/fs/cgroup is the cgroup v2 tree
 */
public record NodeResources(boolean unifiedCgroup, CpuList cpus, CpuList mems, Hugetlb hugetlb) {
  public NodeResources {
    requireNonNull(cpus, "cpus");
    requireNonNull(mems, "mems");
    requireNonNull(hugetlb, "hugetlb");
  }

  static NodeResources read() {
    return read(Path.of("/proc/self/mountinfo"), Path.of("/sys/fs/cgroup"), Path.of("/sys/devices/system"),
        Hugetlb.read());
  }

  /** From the mount table, the cgroup root, the {@code system} directory of sysfs and the hugetlb facts. */
  static NodeResources read(Path mountinfo, Path cgroupRoot, Path system, Hugetlb hugetlb) {
    return new NodeResources(Hugetlb.unified(Hugetlb.mounts(mountinfo), cgroupRoot),
        online(system.resolve("cpu/online"), "0"), online(system.resolve("node/online"), "0"), hugetlb);
  }

  /** A kernel without NUMA support has no node directory: it has node 0 alone. */
  private static CpuList online(Path file, String fallback) {
    CpuList list = CpuList.parse(HostFacts.firstLine(file));
    return list != null ? list : requireNonNull(CpuList.parse(fallback));
  }
}
