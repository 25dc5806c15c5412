package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which nodes let the OCI runtime apply hugepage limits, from fixture mount tables. */
class HugetlbTest {
  private static final String TMPFS_ROOT = "31 23 0:28 / %s rw,relatime - tmpfs tmpfs rw,mode=755\n";
  private static final String V1_MEMORY = "35 31 0:32 / %s/memory rw,relatime - cgroup cgroup rw,memory\n";
  private static final String V1_HUGETLB = "36 31 0:33 / %s/hugetlb rw,relatime - cgroup cgroup rw,hugetlb\n";
  private static final String HYBRID_UNIFIED = "30 31 0:27 / %s/unified rw,relatime - cgroup2 cgroup2 rw\n";
  private static final String UNIFIED_ROOT = "30 23 0:27 / %s rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";

  @TempDir Path dir;

  /** This project's machine: controllers on v1, hugetlb only on the hybrid v2 tree, which runc does not use. */
  @Test
  void aHybridNodeWithHugetlbOnlyOnItsV2TreeHasNoController() throws IOException {
    Path root = cgroupRoot("hugetlb");
    assertThat(read(TMPFS_ROOT + V1_MEMORY + HYBRID_UNIFIED, root).controller()).isFalse();
  }

  @Test
  void aV1NodeWithAHugetlbHierarchyHasTheController() throws IOException {
    assertThat(read(TMPFS_ROOT + V1_MEMORY + V1_HUGETLB + HYBRID_UNIFIED, cgroupRoot("")).controller()).isTrue();
  }

  @ParameterizedTest
  @CsvSource({"cpuset cpu io memory hugetlb pids, true", "cpuset cpu io memory pids, false"})
  void aUnifiedNodeHasTheControllerWhenItsRootOffersIt(String controllers, boolean expected) throws IOException {
    assertThat(read(UNIFIED_ROOT, cgroupRoot(controllers)).controller()).isEqualTo(expected);
  }

  @Test
  void pageSizesAreNamedAsKubeletNamesThem() throws IOException {
    Path hugepages = dir.resolve("hugepages");
    for (String d : new String[] {"hugepages-2048kB", "hugepages-1048576kB", "hugepages-64kB", "other"}) {
      Files.createDirectories(hugepages.resolve(d));
    }
    Path mountinfo = Files.writeString(dir.resolve("mountinfo"), UNIFIED_ROOT.formatted(cgroupRoot("hugetlb")));
    assertThat(Hugetlb.read(mountinfo, cgroupRoot("hugetlb"), hugepages).pageSizes())
        .containsExactlyInAnyOrder("2MB", "1GB", "64KB");
    assertThat(Hugetlb.read(mountinfo, cgroupRoot("hugetlb"), dir.resolve("missing")).pageSizes()).isEmpty();
  }

  @Test
  void theLiveNodeIsReadWithoutFailing() {
    Hugetlb live = Hugetlb.read();
    assertThat(live.pageSizes()).allMatch(s -> s.matches("[0-9]+[KMGT]B"));
  }

  private Path cgroupRoot(String controllers) throws IOException {
    Path root = dir.resolve("cgroup");
    Files.createDirectories(root);
    Files.writeString(root.resolve("cgroup.controllers"), controllers + "\n");
    return root;
  }

  private Hugetlb read(String mountinfoTemplate, Path root) throws IOException {
    Path mountinfo = Files.writeString(dir.resolve("mountinfo"), mountinfoTemplate.replace("%s", root.toString()));
    return Hugetlb.read(mountinfo, root, dir.resolve("hugepages"));
  }
}
