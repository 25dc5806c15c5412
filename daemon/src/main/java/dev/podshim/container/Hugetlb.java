package dev.podshim.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Whether the OCI runtime can apply hugepage limits on this node, and the page sizes the node has.
 * runc and crun work on cgroup v2 only where {@code /sys/fs/cgroup} itself is the unified tree; on
 * a v1 or hybrid node they need a v1 hugetlb hierarchy, and a hybrid node's hugetlb on its v2 tree
 * does not count. kubelet sends a (zero) limit for every size in {@code /sys/kernel/mm/hugepages}
 * whatever the pod asks, so where no usable controller exists the limits are left out, as
 * containerd ({@code tolerate_missing_hugetlb_controller}) and CRI-O do: asking runc for them fails
 * every container.
 *
 * @param controller whether the runtime's cgroup version has a hugetlb controller here
 * @param pageSizes the node's page sizes as kubelet and the OCI spec name them ("2MB", "1GB")
 */
public record Hugetlb(boolean controller, Set<String> pageSizes) {
  private static final Pattern SIZE_DIR = Pattern.compile("hugepages-([0-9]+)kB");

  public Hugetlb {
    pageSizes = Set.copyOf(pageSizes);
  }

  /** A node with no hugetlb controller and no huge pages. */
  public static Hugetlb none() {
    return new Hugetlb(false, Set.of());
  }

  static Hugetlb read() {
    return read(Path.of("/proc/self/mountinfo"), Path.of("/sys/fs/cgroup"), Path.of("/sys/kernel/mm/hugepages"));
  }

  /** From the mount table, the cgroup root it names, and the kernel's hugepages directory. */
  static Hugetlb read(Path mountinfo, Path cgroupRoot, Path hugepages) {
    List<String[]> mounts = mounts(mountinfo);
    boolean unified = mounts.stream()
        .anyMatch(m -> m[0].equals(cgroupRoot.toString()) && m[1].equals("cgroup2"));
    boolean controller = unified
        ? List.of(HostFacts.firstLine(cgroupRoot.resolve("cgroup.controllers")).split(" ")).contains("hugetlb")
        : mounts.stream().anyMatch(m -> m[1].equals("cgroup") && List.of(m[2].split(",")).contains("hugetlb"));
    return new Hugetlb(controller, pageSizes(hugepages));
  }

  /** "2048" kB as kubelet names it: the largest unit that divides the size ("2MB", "1GB", "64KB"). */
  static String sizeName(long kibibytes) {
    String[] units = {"KB", "MB", "GB", "TB"};
    int unit = 0;
    long size = kibibytes;
    while (size % 1024 == 0 && size > 0 && unit < units.length - 1) {
      size /= 1024;
      unit++;
    }
    return size + units[unit];
  }

  private static Set<String> pageSizes(Path hugepages) {
    Set<String> sizes = new TreeSet<>();
    try (Stream<Path> dirs = Files.list(hugepages)) {
      dirs.forEach(d -> {
        Matcher m = SIZE_DIR.matcher(d.getFileName().toString());
        if (m.matches()) {
          sizes.add(sizeName(Long.parseLong(m.group(1))));
        }
      });
    } catch (IOException | NumberFormatException e) {
      // no huge pages on this kernel: no size is valid
    }
    return sizes;
  }

  /** Each mount as {mount point, filesystem type, super options}. */
  private static List<String[]> mounts(Path mountinfo) {
    try {
      return Files.readAllLines(mountinfo).stream().map(line -> line.split(" - ", 2)).filter(h -> h.length == 2)
          .map(h -> new String[] {field(h[0], 4), field(h[1], 0), field(h[1], 2)}).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String field(String text, int index) {
    String[] fields = text.split(" ");
    return index < fields.length ? fields[index] : "";
  }
}
