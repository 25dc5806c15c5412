package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podshim.config.CgroupDriver;
import dev.podshim.errors.CriException;
import dev.podshim.image.ImageConfig;
import dev.podshim.oci.AppArmor;
import dev.podshim.oci.Capabilities;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.ContainerConfig.Device;
import dev.podshim.store.ContainerConfig.Env;
import dev.podshim.store.ContainerConfig.GroupsPolicy;
import dev.podshim.store.ContainerConfig.Mount;
import dev.podshim.store.ContainerConfig.Profile;
import dev.podshim.store.ContainerConfig.Resources;
import dev.podshim.store.SandboxConfig.Mode;
import dev.podshim.store.SandboxConfig.NamespaceModes;
import dev.podshim.testing.FakeAppArmorHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;

/**
 * A CreateContainer request for SpecBuilder, every part settable: the defaults are an ordinary
 * container of an image with an entrypoint, in a pod with its own namespaces.
 */
final class SpecFixture {
  /** This project's CI root: every capability but CAP_SYS_RESOURCE. */
  static final Set<String> CI_ROOT_CAPS = Capabilities.held("CapEff:\t000001fffeffffff\n");

  final Path dir;
  final Path rootfs;

  // ContainerConfig
  List<String> command = List.of();
  List<String> args = List.of();
  String workingDir = "";
  List<Env> envs = new ArrayList<>();
  List<Mount> mounts = new ArrayList<>();
  List<Device> devices = new ArrayList<>();
  List<dev.podshim.cdi.CdiRegistry.Edit> cdi = List.of();
  Map<String, String> annotations = Map.of();
  boolean tty;
  Resources resources = Resources.none();
  // Security
  List<String> addCaps = List.of();
  List<String> dropCaps = List.of();
  List<String> ambientCaps = List.of();
  boolean privileged;
  Mode pidMode = Mode.CONTAINER;
  @Nullable Long runAsUser;
  @Nullable Long runAsGroup;
  String runAsUsername = "";
  boolean readonlyRootfs;
  List<Long> supplementalGroups = List.of();
  GroupsPolicy groupsPolicy = GroupsPolicy.MERGE;
  boolean noNewPrivs;
  List<String> maskedPaths = List.of();
  List<String> readonlyPaths = List.of();
  Profile seccomp = Profile.runtimeDefault();
  @Nullable Profile apparmor;
  /** The container's userns_options; null: not set. */
  dev.podshim.store.@Nullable UserNamespace containerUserns;
  /** The pod's own user namespace; null: the node's. */
  dev.podshim.store.@Nullable UserNamespace podUserns;
  // image
  List<String> entrypoint = List.of("/bin/server");
  List<String> cmd = List.of("--port", "80");
  List<String> imageEnv = List.of();
  String imageWorkingDir = "";
  String imageUser = "";
  // pod and host
  NamespaceModes podModes = new NamespaceModes(Mode.POD, Mode.CONTAINER, Mode.POD, "");
  @Nullable Path pidns;
  @Nullable Path targetPidns;
  @Nullable Path shm;
  String cgroupParent = "";
  CgroupDriver cgroupDriver = CgroupDriver.CGROUPFS;
  Set<String> hostCaps = CI_ROOT_CAPS;
  int daemonOomScoreAdj;
  boolean appArmorEnabled;
  /** Profiles the fake kernel holds besides the default one podshim loads. */
  Set<String> appArmorLoaded = Set.of();
  /** A node whose runtime can apply hugepage limits, with 2 MB and 1 GB pages. */
  Hugetlb hugetlb = new Hugetlb(true, Set.of("2MB", "1GB"));
  /** Eight CPUs and one memory node, on cgroup v1 (or hybrid), as this project's CI nodes. */
  String nodeCpus = "0-7";
  String nodeMems = "0";
  boolean unifiedCgroup;
  Path mountinfo = Path.of("/proc/self/mountinfo");
  Path dev = Path.of("/dev");

  /** The rootfs holds the image's entrypoint, /bin/server, as a real image would. */
  SpecFixture(Path dir) {
    this.dir = dir;
    this.rootfs = dir.resolve("rootfs");
    this.shm = dir.resolve("shm");
    program("/bin/server");
  }

  /** An executable file at {@code path} in the rootfs. */
  void program(String path) {
    try {
      Path file = rootfs.resolve(path.substring(1));
      Files.createDirectories(file.getParent());
      if (!Files.exists(file)) {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  SpecInput input() {
    ContainerConfig.Security security = new ContainerConfig.Security(addCaps, dropCaps, ambientCaps, privileged,
        new NamespaceModes(Mode.POD, pidMode, Mode.POD, pidMode == Mode.TARGET ? "target" : ""), runAsUser,
        runAsGroup, runAsUsername, readonlyRootfs, supplementalGroups, groupsPolicy, noNewPrivs, maskedPaths,
        readonlyPaths, seccomp, apparmor, containerUserns);
    ContainerConfig config = new ContainerConfig("web", 0, "docker.io/library/nginx:1.27", "", command, args,
        workingDir, envs, mounts, devices, Map.of("app", "web"), annotations, "web.log", false, false, tty,
        resources, security, "");
    ImageConfig image = new ImageConfig("sha256:feed", entrypoint, cmd, imageEnv, imageWorkingDir, imageUser, "",
        List.of());
    PodContext pod = new PodContext("sb1", "k8s_POD_web_default_uid1_0", "web", "default", "uid1", podModes,
        podModes.hostNetwork() ? null : Path.of("/run/podshim/ns/sb1/net"),
        podModes.hostIpc() ? null : Path.of("/run/podshim/ns/sb1/ipc"),
        podModes.hostNetwork() ? null : Path.of("/run/podshim/ns/sb1/uts"),
        pidns, dir.resolve("hosts"), dir.resolve("resolv.conf"), dir.resolve("hostname"),
        podModes.hostIpc() ? null : shm, cgroupParent, "web-0", podUserns,
        podUserns == null ? null : Path.of("/run/podshim/ns/sb1/user"));
    return new SpecInput("c1", config, image, rootfs, pod, targetPidns, cgroupDriver,
        new HostFacts(hostCaps, daemonOomScoreAdj, appArmor(), node()), "runc", cdi);
  }

  AppArmor appArmor() {
    try {
      return AppArmor.start(new FakeAppArmorHost(appArmorEnabled, appArmorLoaded), dir.resolve("apparmor"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  NodeResources node() {
    return new NodeResources(unifiedCgroup, CpuList.parse(nodeCpus), CpuList.parse(nodeMems), hugetlb);
  }

  BuiltSpec build() {
    return SpecBuilder.build(input(), new HostPaths(mountinfo, dev));
  }

  JsonNode spec() {
    return build().spec();
  }

  /** Asserts building fails with INVALID_ARGUMENT whose message contains {@code message}. */
  void assertInvalid(String message) {
    assertInvalid(this::build, message);
  }

  static void assertInvalid(ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(CriException.class,
            e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining(message);
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
