package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.oci.Capabilities;
import dev.podshim.store.ContainerConfig.GroupsPolicy;
import dev.podshim.store.ContainerConfig.Mount;
import dev.podshim.store.ContainerConfig.Propagation;
import dev.podshim.store.SandboxConfig.Mode;
import dev.podshim.store.SandboxConfig.NamespaceModes;
import dev.podshim.testing.NodeLeaks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spec SpecBuilder writes, run by the real runc on a busybox rootfs: runc accepts it, and
 * the user, capabilities, seccomp filter and read-only mounts take effect. Needs root, runc and
 * a static busybox, as CI has.
 */
class SpecRuncIntegrationTest {
  private static final Path RUNC = Path.of("/usr/sbin/runc");
  private static final Path BUSYBOX = Path.of("/bin/busybox");

  @TempDir Path tmp;
  private final String cgroupParent = "podshim-spec-test-" + UUID.randomUUID().toString().substring(0, 8);
  private Path dir;
  private SpecFixture f;

  @BeforeEach
  void bundle() throws IOException {
    assertThat(RUNC).as("runc is needed: apt-get install runc").isExecutable();
    assertThat(BUSYBOX).as("a static busybox is needed: apt-get install busybox-static").isExecutable();
    dir = tmp.toRealPath();
    f = new SpecFixture(dir);
    Files.createDirectories(f.rootfs.resolve("bin"));
    Files.createDirectories(f.rootfs.resolve("etc"));
    Files.copy(BUSYBOX, f.rootfs.resolve("bin/busybox"));
    Files.writeString(f.rootfs.resolve("etc/passwd"), "root:x:0:0::/:/bin/sh\nuser1:x:1000:50000::/:/bin/sh\n");
    Files.writeString(f.rootfs.resolve("etc/group"), "root:x:0:\ngroup1:x:50000:\ngroup2:x:60000:user1\n");
    for (String file : List.of("hosts", "resolv.conf", "hostname")) {
      Files.writeString(dir.resolve(file), file.equals("hostname") ? "web-0\n" : "");
    }
    // a host-network, host-IPC pod: no pinned namespaces to make for the test
    f.podModes = new NamespaceModes(Mode.NODE, Mode.CONTAINER, Mode.NODE, "");
    f.hostCaps = Capabilities.held();
    f.cgroupParent = "/" + cgroupParent;
  }

  /** runc removes the container's cgroup, not the parent it made for it. */
  @AfterEach
  void removeCgroupParent() throws IOException {
    for (Path cgroup : NodeLeaks.cgroupDirsStartingWith(cgroupParent)) {
      Files.delete(cgroup);
    }
  }

  @Test
  void runcRunsTheContainerAsTheResolvedUserWithTheDefaultCapabilitiesAndSeccomp() throws Exception {
    f.runAsUser = 1000L;
    f.supplementalGroups = List.of(70000L);
    f.groupsPolicy = GroupsPolicy.MERGE;
    f.noNewPrivs = true;
    f.command = List.of("/bin/busybox", "sh", "-c",
        "/bin/busybox id; /bin/busybox grep -E '^(CapBnd|NoNewPrivs|Seccomp):' /proc/self/status;"
            + " /bin/busybox unshare -U /bin/busybox true || echo unshare refused");

    String out = run();

    assertThat(out).contains("uid=1000(user1) gid=50000(group1) groups=50000(group1),60000(group2),70000");
    assertThat(out).contains("CapBnd:\t00000000a80425fb"); // Docker's and containerd's default set
    assertThat(out).contains("NoNewPrivs:\t1").contains("Seccomp:\t2");
    assertThat(out).contains("unshare refused");
  }

  @Test
  void runcHonoursRecursiveReadOnlyMountsAndAddedCapabilities() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    f.mounts = List.of(new Mount("/data", data.toString(), true, true, Propagation.PRIVATE));
    f.addCaps = List.of("SYS_ADMIN");
    f.command = List.of("/bin/busybox", "sh", "-c",
        "/bin/busybox touch /data/x 2>&1 || echo write refused; /bin/busybox unshare -U /bin/busybox true && echo unshare ok");

    String out = run();

    assertThat(out).contains("write refused").contains("unshare ok");
    assertThat(data.resolve("x")).doesNotExist();
  }

  /** CRI Mount.mount_options reach the bind mount: nothing in it runs, and the kernel shows the flags. */
  @Test
  void runcAppliesTheMountOptionsAClientAdds() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.copy(BUSYBOX, data.resolve("busybox"));
    f.mounts = List.of(new Mount("/data", data.toString(), false, false, Propagation.PRIVATE,
        List.of("noexec", "nosuid", "nodev")));
    f.command = List.of("/bin/busybox", "sh", "-c",
        "/bin/busybox grep ' /data ' /proc/self/mountinfo; /data/busybox true 2>/dev/null || echo exec refused");

    String out = run();

    assertThat(out).contains("exec refused").containsPattern(" /data rw,nosuid,nodev,noexec[, ]");
  }

  /**
   * What kubelet sends every container: a zero limit for each page size of the node. On this
   * node's hybrid layout runc has no hugetlb hierarchy; with the node as it is, runc still runs it.
   */
  @Test
  void runcRunsAContainerGivenKubeletsZeroHugepageLimitsForEverySizeOfTheNode() throws Exception {
    f.hugetlb = Hugetlb.read();
    java.util.Map<String, Long> zeroForEachSize = new java.util.TreeMap<>();
    f.hugetlb.pageSizes().forEach(size -> zeroForEachSize.put(size, 0L));
    f.resources = new dev.podshim.store.ContainerConfig.Resources(0, 0, 0, 0, 0, "", "", zeroForEachSize,
        java.util.Map.of(), 0);
    f.command = List.of("/bin/busybox", "echo", "started");

    assertThat(run()).contains("started");
  }

  private String run() throws Exception {
    Files.writeString(dir.resolve("config.json"), new ObjectMapper().writeValueAsString(f.build().spec()));
    String id = "podshim-spec-" + UUID.randomUUID().toString().substring(0, 8);
    Path log = dir.resolve("out.txt");
    Process runc = new ProcessBuilder(RUNC.toString(), "--root", dir.resolve("runc-state").toString(), "run",
        "--bundle", dir.toString(), id)
        .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(Path.of("/dev/null").toFile())
        .start();
    try {
      assertThat(runc.waitFor(30, TimeUnit.SECONDS)).as("runc run finished").isTrue();
    } finally {
      runc.destroyForcibly();
      new ProcessBuilder(RUNC.toString(), "--root", dir.resolve("runc-state").toString(), "delete", "--force", id)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(runc.exitValue()).as("runc run exit status; output:\n" + out).isZero();
    return out;
  }
}
