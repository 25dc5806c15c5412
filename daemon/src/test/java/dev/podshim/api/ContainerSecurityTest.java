package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.Int64Value;
import dev.podshim.cri.v1.Capability;
import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.LinuxContainerSecurityContext;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.SecurityProfile;
import dev.podshim.cri.v1.SupplementalGroupsPolicy;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a container's process gets: user and groups, capabilities, seccomp, read-only and masked paths, PID namespace. */
class ContainerSecurityTest extends ContainerHarnessTest {
  /** containerd's default capability set as a CapEff mask. */
  private static final long DEFAULT_CAPS = 0xa80425fbL;

  private PodSandboxConfig.Builder pod;
  private String podId;

  @BeforeEach
  void podAndImage() {
    pullBusybox();
    pod = Pods.config("sec");
    podId = runPod(pod);
  }

  private static ContainerConfig.Builder sleeper(String name) {
    return Containers.config(name, busybox, "sleep", "1000");
  }

  private static LinuxContainerSecurityContext.Builder security(ContainerConfig.Builder c) {
    return c.getLinuxBuilder().getSecurityContextBuilder();
  }

  private String run(ContainerConfig.Builder config) {
    return createAndStart(podId, pod, config);
  }

  private long capEff(String id) {
    return Long.parseLong(out(id, "sh", "-c", "grep CapEff /proc/self/status | awk '{print $2}'"), 16);
  }

  @ParameterizedTest
  @CsvSource({"MERGE, '1000 2000 3000', '1000,2000,3000'", "STRICT, '1000 3000', '1000,3000'"})
  void userAndSupplementalGroups(String policy, String idGroups, String statusGroups) {
    ContainerConfig.Builder c = sleeper("u");
    security(c).setRunAsUser(Int64Value.newBuilder().setValue(1000)).addSupplementalGroups(3000)
        .setSupplementalGroupsPolicy(SupplementalGroupsPolicy.valueOf(policy.equals("MERGE") ? "Merge" : "Strict"));
    String id = run(c);
    assertThat(out(id, "id", "-u")).isEqualTo("1000");
    assertThat(out(id, "id", "-g")).isEqualTo("1000");
    assertThat(out(id, "id", "-G")).isEqualTo(idGroups);
    var user = Containers.status(cri.runtime, id).getUser().getLinux();
    assertThat(user.getUid()).isEqualTo(1000);
    assertThat(user.getSupplementalGroupsList()).map(String::valueOf).containsExactly(statusGroups.split(","));
  }

  @Test
  void imageUserByNameIsResolvedInTheRootfs() {
    ContainerConfig.Builder c = sleeper("n");
    security(c).setRunAsUsername("alice");
    String id = run(c);
    assertThat(out(id, "id", "-un")).isEqualTo("alice");
    assertThat(out(id, "sh", "-c", "echo $HOME")).isNotEmpty();
  }

  @Test
  void capabilitiesDefaultAddAndDropAll() {
    assertThat(capEff(run(sleeper("default")))).isEqualTo(DEFAULT_CAPS);
    ContainerConfig.Builder add = sleeper("add");
    security(add).setCapabilities(Capability.newBuilder().addAddCapabilities("NET_ADMIN"));
    assertThat(capEff(run(add)) & (1L << 12)).as("CAP_NET_ADMIN").isNotZero();
    ContainerConfig.Builder none = sleeper("none");
    security(none).setCapabilities(Capability.newBuilder().addDropCapabilities("ALL"));
    assertThat(capEff(run(none))).isZero();
  }

  @Test
  void seccompLocalhostProfileBlocksSethostnameEvenWithSysAdmin(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path profile = dir.resolve("block-hostname.json");
    Files.writeString(profile, """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO"}]}""");
    ContainerConfig.Builder blocked = sleeper("blocked");
    security(blocked).setCapabilities(Capability.newBuilder().addAddCapabilities("SYS_ADMIN"))
        .setSeccomp(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
            .setLocalhostRef(profile.toString()));
    String id = run(blocked);
    assertThat(exec(id, 10, "hostname", "other").getExitCode()).isNotZero();

    ContainerConfig.Builder free = sleeper("free");
    security(free).setCapabilities(Capability.newBuilder().addAddCapabilities("SYS_ADMIN"))
        .setSeccomp(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Unconfined));
    String freeId = run(free);
    assertThat(exec(freeId, 10, "hostname", "renamed").getExitCode()).isZero();

    ContainerConfig.Builder confined = sleeper("default-seccomp");
    security(confined).setSeccomp(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault));
    assertThat(out(run(confined), "sh", "-c", "grep Seccomp: /proc/self/status | awk '{print $2}'")).isEqualTo("2");
  }

  @Test
  void readOnlyRootfsAndMaskedPaths() {
    ContainerConfig.Builder c = sleeper("ro");
    security(c).setReadonlyRootfs(true);
    String id = run(c);
    assertThat(exec(id, 10, "touch", "/newfile").getExitCode()).isNotZero();
    assertThat(exec(id, 10, "touch", "/dev/shm/ok").getExitCode()).isZero();
    // /proc/timer_list exists here (kcore does not); a masked file reads as /dev/null
    assertThat(out(id, "sh", "-c", "wc -c < /proc/timer_list")).as("masked by /dev/null").isEqualTo("0");
    assertThat(exec(id, 10, "sh", "-c", "echo 1 > /proc/sys/kernel/domainname").getExitCode())
        .as("/proc/sys is read-only").isNotZero();
  }

  @Test
  void pidNamespaceModes() {
    ContainerConfig.Builder own = sleeper("own");
    String ownId = run(own);
    assertThat(out(ownId, "sh", "-c", "cat /proc/1/comm")).isEqualTo("sleep");

    ContainerConfig.Builder node = sleeper("node");
    security(node).getNamespaceOptionsBuilder().setPid(NamespaceMode.NODE);
    String nodeId = run(node);
    assertThat(out(nodeId, "sh", "-c", "ls /proc | grep -c '^[0-9]'")).satisfies(n -> assertThat(Integer.parseInt(n))
        .isGreaterThan(5));

    PodSandboxConfig.Builder shared = Pods.config("sharedpid");
    shared.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(NamespaceMode.POD);
    String sharedPod = runPod(shared);
    ContainerConfig.Builder inPod = sleeper("inpod");
    security(inPod).getNamespaceOptionsBuilder().setPid(NamespaceMode.POD);
    String inPodId = createAndStart(sharedPod, shared, inPod);
    assertThat(out(inPodId, "sh", "-c", "cat /proc/1/comm")).as("pause is PID 1 of the pod").startsWith("pause");
  }

  @Test
  void oomKilledWithASmallMemoryLimit() throws Exception {
    // conmon writes "oom" to its working directory too: that must be the container's, not the daemon's
    java.nio.file.Path stray = java.nio.file.Path.of("oom").toAbsolutePath();
    java.nio.file.Files.deleteIfExists(stray);
    ContainerConfig.Builder c = Containers.config("hog", busybox, "sh", "-c", "x=a; while true; do x=$x$x; done");
    c.getLinuxBuilder().getResourcesBuilder().setMemoryLimitInBytes(16 << 20);
    String id = run(c);
    var status = Containers.awaitState(cri.runtime, id, ContainerState.CONTAINER_EXITED, Duration.ofSeconds(30));
    assertThat(status.getReason()).isEqualTo("OOMKilled");
    assertThat(status.getExitCode()).isEqualTo(137);
    assertThat(stray).as("a file conmon wrote outside the state root").doesNotExist();
  }

  /** This machine's kernel has no AppArmor: nothing is applied, and a Localhost profile is refused by its field. */
  @Test
  void apparmorOnANodeWithoutIt() {
    ContainerConfig.Builder byDefault = sleeper("aa-default");
    security(byDefault).setApparmor(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault));
    assertThat(out(run(byDefault), "echo", "ran")).isEqualTo("ran");

    ContainerConfig.Builder localhost = sleeper("aa-localhost");
    security(localhost).setApparmor(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
        .setLocalhostRef("my-profile"));
    assertInvalid(localhost, "config.linux.security_context.apparmor: apparmor is not enabled on this host");

    ContainerConfig.Builder badName = sleeper("aa-bad-name");
    security(badName).setApparmorProfile("localhost/../x");
    assertInvalid(badName, "config.linux.security_context.apparmor_profile: \"../x\" is not an apparmor profile name");
  }

  private void assertInvalid(ContainerConfig.Builder config, String message) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> create(podId, pod, config))
        .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }
}
