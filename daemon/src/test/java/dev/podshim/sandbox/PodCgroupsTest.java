package dev.podshim.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.config.CgroupDriver;
import dev.podshim.errors.CriException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PodCgroupsTest {
  private final PodCgroups cgroupfs = new PodCgroups(CgroupDriver.CGROUPFS, mounted());
  private final PodCgroups systemd = new PodCgroups(CgroupDriver.SYSTEMD, mounted());

  private static List<PodCgroups.Hierarchy> mounted() {
    try {
      return PodCgroups.mounted(Path.of("/proc/self/mountinfo"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void systemdSlicesNestByDash() {
    assertThat(PodCgroups.expandSlice("kubepods-besteffort-pod12.slice"))
        .isEqualTo("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice");
    assertThat(systemd.pathFor("kubepods.slice", "abc")).isEqualTo("/kubepods.slice/podshim-abc.scope");
    assertThat(cgroupfs.pathFor("/kubepods/pod1", "abc")).isEqualTo("/kubepods/pod1/abc");
    assertThat(cgroupfs.pathFor("", "abc")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"relative", "/a/../../etc", "/a/./b", "/a//b", "/a b", "/a\nb"})
  void hostileCgroupfsParentsAreRefused(String parent) {
    assertThatThrownBy(() -> cgroupfs.validateParent(parent)).isInstanceOfSatisfying(CriException.class,
        e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT));
  }

  /** kubelet sends the slice expanded into its path; critest a rooted name. */
  @ParameterizedTest
  @ValueSource(strings = {"kubepods-burstable-pod1f2e.slice", "/kubepods-burstable-pod1f2e.slice",
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f2e.slice"})
  void systemdParentsAsKubeletAndCritestSpellThemPlacePauseInTheirSlice(String parent) {
    systemd.validateParent(parent);
    assertThat(systemd.pathFor(parent, "abc"))
        .isEqualTo("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f2e.slice/podshim-abc.scope");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/kubepods", "/a/b.slice", "kubepods", "-x.slice", "a--b.slice", "/kubepods.slice/",
      "/kubepods.slice//x.slice", "/kubepods.slice/../x.slice"})
  void nonSliceSystemdParentsAreRefused(String parent) {
    assertThatThrownBy(() -> systemd.validateParent(parent)).hasMessageContaining("cgroup_parent");
  }

  @Test
  void pauseIsPlacedInEveryHierarchyAndTheDirectoriesItMadeGoAway() throws Exception {
    assertThat(mounted()).as("cgroup hierarchies mounted").isNotEmpty();
    String parent = "/podshim-test-" + UUID.randomUUID().toString().substring(0, 8) + "/pod";
    String path = cgroupfs.pathFor(parent, "leaf");
    List<String> created = cgroupfs.create(path);
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      cgroupfs.attach(path, sleeper.pid());
      assertThat(Files.readAllLines(Path.of("/proc/" + sleeper.pid() + "/cgroup")))
          .allSatisfy(line -> assertThat(line).endsWith(path));
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
    cgroupfs.remove(created);
    for (String dir : created) {
      assertThat(Path.of(dir)).doesNotExist();
    }
  }

  @Test
  void podLimitsGoIntoTheFilesEachHierarchyHasAndUnsetOnesAreLeftAlone(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path v1cpu = Files.createDirectories(dir.resolve("cpu/kubepods/pod1"));
    Path v1memory = Files.createDirectories(dir.resolve("memory/kubepods/pod1"));
    Path v2 = Files.createDirectories(dir.resolve("unified/kubepods/pod1"));
    for (String f : List.of("cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us")) {
      Files.writeString(v1cpu.resolve(f), "old");
    }
    Files.writeString(v1memory.resolve("memory.limit_in_bytes"), "old");
    for (String f : List.of("cpu.weight", "cpu.max", "memory.max")) {
      Files.writeString(v2.resolve(f), "old");
    }
    PodCgroups pods = new PodCgroups(CgroupDriver.CGROUPFS, List.of(new PodCgroups.Hierarchy(dir.resolve("cpu"), false),
        new PodCgroups.Hierarchy(dir.resolve("memory"), false), new PodCgroups.Hierarchy(dir.resolve("unified"), false)));
    var resources = new dev.podshim.store.ContainerConfig.Resources(0, 150_000, 1024, 0, 0, "", "",
        java.util.Map.of(), java.util.Map.of(), 0);
    var overhead = new dev.podshim.store.ContainerConfig.Resources(0, 10_000, 2, 0, 0, "", "", java.util.Map.of(),
        java.util.Map.of(), 0);

    pods.applyPodLimits(pods.podPath("/kubepods/pod1"), new dev.podshim.store.PodResources(resources, overhead));

    assertThat(Files.readString(v1cpu.resolve("cpu.shares"))).isEqualTo("1026");
    assertThat(Files.readString(v1cpu.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
    assertThat(Files.readString(v1cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("160000");
    assertThat(Files.readString(v2.resolve("cpu.max"))).isEqualTo("160000 100000");
    assertThat(Files.readString(v2.resolve("cpu.weight"))).isEqualTo(Long.toString(PodCgroups.cpuWeight(1026)));
    // no memory limit among the containers: the pod's stays as kubelet left it
    assertThat(Files.readString(v1memory.resolve("memory.limit_in_bytes"))).isEqualTo("old");
    assertThat(Files.readString(v2.resolve("memory.max"))).isEqualTo("old");
    assertThat(PodCgroups.cpuWeight(2)).isEqualTo(1);
    assertThat(PodCgroups.cpuWeight(262_144)).isEqualTo(10_000);
    assertThat(systemd.podPath("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice"))
        .isEqualTo("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice");
    assertThat(cgroupfs.podPath("")).isEmpty();
  }

  @Test
  void underSystemdPodshimMakesNoDirectoryOfItsOwn() {
    String path = systemd.pathFor("kubepods-burstable-pod12.slice", "abc");
    assertThat(path).isEqualTo("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/podshim-abc.scope");
    // systemd makes the scope (and a missing slice) when pause is attached over D-Bus, and removes it
    assertThat(systemd.missingParents(path)).isEmpty();
    assertThat(systemd.create(path)).isEmpty();
    for (PodCgroups.Hierarchy h : mounted()) {
      assertThat(h.mountPoint().resolve("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice"))
          .doesNotExist();
    }
  }
}
