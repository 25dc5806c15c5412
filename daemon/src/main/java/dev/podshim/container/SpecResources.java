package dev.podshim.container;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.config.CgroupDriver;
import dev.podshim.store.ContainerConfig.Resources;
import java.util.Map;

/**
 * The spec's {@code linux.resources} (but devices) and {@code linux.cgroupsPath}, once {@link
 * ResourceLimits} has checked the values. A CRI value of zero or empty is unset and left out.
 */
final class SpecResources {
  private SpecResources() {}

  /** @param field the resources' own field: "config.linux.resources" in Create, "linux" in Update */
  static ObjectNode build(String field, Resources r, NodeResources node) {
    ResourceLimits.check(field, r, node);
    ObjectNode resources = Json.object();
    ObjectNode cpu = Json.object();
    putIfSet(cpu, "shares", r.cpuShares());
    putIfSet(cpu, "quota", r.cpuQuota());
    putIfSet(cpu, "period", r.cpuPeriod());
    putIfSet(cpu, "cpus", r.cpusetCpus());
    putIfSet(cpu, "mems", r.cpusetMems());
    if (!cpu.isEmpty()) {
      resources.set("cpu", cpu);
    }
    ObjectNode memory = Json.object();
    putIfSet(memory, "limit", r.memoryLimitBytes());
    if (r.memorySwapLimitBytes() > 0) {
      memory.put("swap", r.memorySwapLimitBytes());
    }
    if (!memory.isEmpty()) {
      resources.set("memory", memory);
    }
    ArrayNode hugepageLimits = hugepageLimits(r.hugepages(), node.hugetlb());
    if (!hugepageLimits.isEmpty()) {
      resources.set("hugepageLimits", hugepageLimits);
    }
    if (!r.unified().isEmpty()) {
      ObjectNode unified = resources.putObject("unified");
      r.unified().forEach(unified::put);
    }
    return resources;
  }

  /** The limits; none where the runtime has no hugetlb controller to apply them (see {@link Hugetlb}). */
  private static ArrayNode hugepageLimits(Map<String, Long> requested, Hugetlb hugetlb) {
    ArrayNode limits = Json.array();
    if (hugetlb.controller()) {
      requested.forEach((size, limit) -> limits.addObject().put("pageSize", size).put("limit", limit));
    }
    return limits;
  }

  /**
   * cgroupfs: the container's cgroup under the pod's ({@code /podshim/<id>} without one); systemd:
   * runc's {@code slice:prefix:name}, a scope in the pod's slice (system.slice without one).
   */
  static String cgroupsPath(CgroupDriver driver, String parent, String containerId) {
    return switch (driver) {
      case CGROUPFS -> (parent.isEmpty() ? "/podshim" : parent.replaceFirst("/+$", "")) + "/" + containerId;
      case SYSTEMD -> (parent.isEmpty() ? "system.slice" : CgroupDriver.systemdSlice(parent)) + ":podshim:" + containerId;
    };
  }

  private static void putIfSet(ObjectNode node, String key, long value) {
    if (value != 0) {
      node.put(key, value);
    }
  }

  private static void putIfSet(ObjectNode node, String key, String value) {
    if (!value.isEmpty()) {
      node.put(key, value);
    }
  }
}
