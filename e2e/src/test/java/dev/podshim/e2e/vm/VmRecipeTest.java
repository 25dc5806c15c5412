package dev.podshim.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.e2e.Podshimd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmRecipeTest {
  @Test
  void theNodeHasWhatIssue19NamesAndEveryPackageDependency() throws Exception {
    VmRecipe recipe = VmRecipe.trixieNode();
    assertThat(recipe.suite()).isEqualTo("trixie");
    assertThat(recipe.packages()).contains("systemd", "apparmor", "runc", "crun", "conmon",
        "containernetworking-plugins", "iptables", "linux-image-amd64", "openssh-server")
        .containsAll(PackageDepends.of(Podshimd.PROJECT.resolve("packaging/src/deb/control/control")));
    assertThat(recipe.kernelArgs()).contains("systemd.unified_cgroup_hierarchy=1", "console=ttyS0");
    assertThat(recipe.key()).isEqualTo(VmRecipe.trixieNode().key());
  }

  @Test
  void anyChangeToTheRecipeIsANewCacheKey() throws Exception {
    VmRecipe r = VmRecipe.trixieNode();
    List<String> morePackages = new ArrayList<>(r.packages());
    morePackages.add("strace");
    Map<String, String> otherHooks = new HashMap<>(r.hooks());
    otherHooks.put("customize.sh", otherHooks.get("customize.sh") + "\n# changed\n");
    List<VmRecipe> variants = List.of(
        new VmRecipe("forky", r.mirror(), r.packages(), r.kernelArgs(), r.memoryMib(), r.cpus(), r.hooks()),
        new VmRecipe(r.suite(), r.mirror(), morePackages, r.kernelArgs(), r.memoryMib(), r.cpus(), r.hooks()),
        new VmRecipe(r.suite(), r.mirror(), r.packages(), List.of("root=/dev/vda"), r.memoryMib(), r.cpus(), r.hooks()),
        new VmRecipe(r.suite(), r.mirror(), r.packages(), r.kernelArgs(), 1024, r.cpus(), r.hooks()),
        new VmRecipe(r.suite(), r.mirror(), r.packages(), r.kernelArgs(), r.memoryMib(), r.cpus(), otherHooks));
    assertThat(variants).extracting(VmRecipe::key).doesNotContain(r.key()).doesNotHaveDuplicates();
  }

  @Test
  void dependsAreReadWithoutVersionsTakingTheFirstAlternative(@TempDir Path dir) throws Exception {
    Path control = dir.resolve("control");
    Files.writeString(control, """
        Package: podshim
        Depends: libc6 (>= 2.36), runc | crun, conmon,iptables:any [amd64]
        Suggests: crun
        """);
    assertThat(PackageDepends.of(control)).containsExactly("libc6", "runc", "conmon", "iptables");
  }
}
