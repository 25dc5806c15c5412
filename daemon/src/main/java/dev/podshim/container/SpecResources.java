package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.config.CgroupDriver;
import dev.podshim.store.ContainerConfig.Resources;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The spec's {@code linux.resources} (but devices) and {@code linux.cgroupsPath}. A CRI value of
 * zero or empty is unset and left out.
 */
final class SpecResources {
  private static final String FIELD = "config.linux.resources";
  private static final Pattern CPUSET = Pattern.compile("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*");
  private static final Pattern PAGE_SIZE = Pattern.compile("[0-9]+[KMGT]B");
  private static final Pattern UNIFIED_KEY = Pattern.compile("[a-z0-9_]+\\.[a-zA-Z0-9_.]+");

  private SpecResources() {}

  static ObjectNode build(Resources r, Hugetlb hugetlb) {
    ObjectNode resources = Json.object();
    ObjectNode cpu = Json.object();
    putIfSet(cpu, "shares", r.cpuShares());
    putIfSet(cpu, "quota", r.cpuQuota());
    putIfSet(cpu, "period", r.cpuPeriod());
    putIfSet(cpu, "cpus", cpuset(FIELD + ".cpuset_cpus", r.cpusetCpus()));
    putIfSet(cpu, "mems", cpuset(FIELD + ".cpuset_mems", r.cpusetMems()));
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
    ArrayNode hugepageLimits = hugepageLimits(r.hugepages(), hugetlb);
    if (!hugepageLimits.isEmpty()) {
      resources.set("hugepageLimits", hugepageLimits);
    }
    if (!r.unified().isEmpty()) {
      ObjectNode unified = resources.putObject("unified");
      for (Map.Entry<String, String> e : r.unified().entrySet()) {
        if (!UNIFIED_KEY.matcher(e.getKey()).matches()) {
          throw invalid(FIELD + ".unified", quoted(e.getKey()) + " is not a cgroup file name");
        }
        unified.put(e.getKey(), Fields.noNul(FIELD + ".unified[" + e.getKey() + "]", e.getValue()));
      }
    }
    return resources;
  }

  /**
   * The limits, each size checked against the node's; none where the runtime has no hugetlb
   * controller to apply them (see {@link Hugetlb}).
   */
  private static ArrayNode hugepageLimits(Map<String, Long> requested, Hugetlb hugetlb) {
    ArrayNode limits = Json.array();
    String field = FIELD + ".hugepage_limits";
    requested.forEach((size, limit) -> {
      if (!PAGE_SIZE.matcher(size).matches()) {
        throw invalid(field, "page size " + quoted(size) + " is not like 2MB or 1GB");
      }
      if (limit < 0) {
        throw invalid(field, "limit of " + size + " pages is negative: " + limit);
      }
      if (hugetlb.controller()) {
        if (!hugetlb.pageSizes().contains(size)) {
          throw invalid(field, "this node has no " + size + " huge pages; it has " + hugetlb.pageSizes());
        }
        limits.addObject().put("pageSize", size).put("limit", limit);
      }
    });
    return limits;
  }

  /**
   * cgroupfs: the container's cgroup under the pod's ({@code /podshim/<id>} without one); systemd:
   * runc's {@code slice:prefix:name}, a scope in the pod's slice (system.slice without one).
   */
  static String cgroupsPath(CgroupDriver driver, String parent, String containerId) {
    return switch (driver) {
      case CGROUPFS -> (parent.isEmpty() ? "/podshim" : parent.replaceFirst("/+$", "")) + "/" + containerId;
      case SYSTEMD -> (parent.isEmpty() ? "system.slice" : parent) + ":podshim:" + containerId;
    };
  }

  private static String cpuset(String field, String value) {
    if (!value.isEmpty() && !CPUSET.matcher(value).matches()) {
      throw invalid(field, quoted(value) + " is not a CPU or node list such as 0-3,7");
    }
    return value;
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
