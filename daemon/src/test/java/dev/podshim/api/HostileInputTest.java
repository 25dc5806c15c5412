package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.LinuxContainerResources;
import dev.podshim.cri.v1.Mount;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Over-long, out-of-range and dangerous values a client sends: INVALID_ARGUMENT naming the field,
 * with an error that quotes a short prefix and the length, never INTERNAL or a 4 MB message, and
 * never a file written on the host. Containers run under real conmon and runc.
 */
class HostileInputTest extends ContainerHarnessTest {
  private static final String HUGE = "a".repeat(4 << 20);
  private static final int SHORT_MESSAGE = 512;

  private void refused(String field, Runnable call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains(field).hasSizeLessThan(SHORT_MESSAGE);
    });
  }

  @Test
  void overLongPathsAndIdsAreRefusedWithShortMessages() {
    Map<String, Consumer<dev.podshim.cri.v1.PodSandboxConfig.Builder>> pods = Map.of(
        "cgroup_parent", p -> p.getLinuxBuilder().setCgroupParent("/" + "a".repeat(4096)),
        "log_directory", p -> p.setLogDirectory("/" + "b".repeat(300) + "/logs"),
        "metadata.name", p -> p.getMetadataBuilder().setName(HUGE));
    pods.forEach((field, spoil) -> {
      var config = Pods.config("hostile");
      spoil.accept(config);
      refused(field, () -> cri.runtime.runPodSandbox(Pods.run(config)));
    });
    refused("pod_sandbox_id", () -> cri.runtime.podSandboxStatus(
        PodSandboxStatusRequest.newBuilder().setPodSandboxId(HUGE).build()));
    refused("container_id", () -> cri.runtime.containerStatus(
        ContainerStatusRequest.newBuilder().setContainerId(HUGE).build()));
    refused("timeout", () -> cri.runtime.stopContainer(
        StopContainerRequest.newBuilder().setContainerId("x").setTimeout(-1).build()));
  }

  @Test
  void hugeIdsAndNamesAreLoggedByLengthAndPrefix() {
    Logger rpc = (Logger) LoggerFactory.getLogger("dev.podshim.rpc");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    rpc.addAppender(lines);
    Level level = rpc.getLevel();
    rpc.setLevel(Level.INFO);
    try {
      var config = Pods.config("hostile");
      config.getMetadataBuilder().setName(HUGE);
      refused("metadata.name", () -> cri.runtime.runPodSandbox(Pods.run(config)));
      refused("pod_sandbox_id", () -> cri.runtime.podSandboxStatus(
          PodSandboxStatusRequest.newBuilder().setPodSandboxId(HUGE).build()));
    } finally {
      rpc.setLevel(level);
      rpc.detachAppender(lines);
    }
    // the layout cuts a line only after building it: a 4 MB value would cost the heap 4 MB and more per line
    assertThat(lines.list).hasSize(2);
    var fields = lines.list.stream().flatMap(line -> line.getKeyValuePairs().stream())
        .map(kv -> kv.key + "=" + kv.value).toList();
    assertThat(fields).allSatisfy(field -> assertThat(field).hasSizeLessThan(SHORT_MESSAGE))
        .contains("pod_sandbox_id=(" + HUGE.length() + " bytes) starting \"" + "a".repeat(32) + "…\"")
        .anyMatch(field -> field.startsWith("pod=(" + ("test/".length() + HUGE.length()) + " bytes) starting \"test/"));
  }

  @Test
  void outOfRangeRegistryPortIsInvalidArgument() {
    refused("99999", () -> cri.images.pullImage(
        PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage("127.0.0.1:99999/a")).build()));
    refused("image", () -> cri.images.pullImage(
        PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(HUGE)).build()));
  }

  @Test
  void overLongContainerPathsAreRefused() {
    var pod = Pods.hostNetwork("hostile-c");
    String podId = cri.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
    refused("mounts[0].host_path", () -> cri.runtime.createContainer(Containers.create(podId, pod,
        Containers.config("x", "busybox", "true")
            .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath("/" + "c".repeat(300))))));
    refused("log_path", () -> cri.runtime.createContainer(Containers.create(podId, pod,
        Containers.config("x", "busybox", "true").setLogPath(HUGE))));
    refused("mounts[0].mount_options[1]", () -> cri.runtime.createContainer(Containers.create(podId, pod,
        Containers.config("x", "busybox", "true").addMounts(Mount.newBuilder().setContainerPath("/data")
            .setHostPath("/tmp").addMountOptions("noexec").addMountOptions("exec,suid")))));
    refused("config.image.image", () -> cri.runtime.createContainer(Containers.create(podId, pod,
        Containers.config("x", HUGE, "true"))));
  }

  /** A host directory the test removes afterwards; the hostile calls must leave it empty. */
  private static Path hostDir() throws IOException {
    Path dir = Files.createTempDirectory("podshim-hostile-host");
    dir.toFile().deleteOnExit();
    return dir;
  }

  private String podWithBusybox(String name, dev.podshim.cri.v1.PodSandboxConfig.Builder pod) {
    pullBusybox();
    return runPod(pod);
  }

  /** runc mounted the host directory over the rootfs and made dev/ (null, zero, tty…) in it, then INTERNAL. */
  @Test
  void aMountOverTheRootOrIntoProcIsRefusedAndWritesNothingOnTheHost() throws IOException {
    var pod = Pods.hostNetwork("hostile-mounts");
    String podId = podWithBusybox("hostile-mounts", pod);
    for (String destination : new String[] {"/", "/proc", "/proc/sysrq-trigger"}) {
      Path host = hostDir();
      refused("mounts[0].container_path", () -> cri.runtime.createContainer(Containers.create(podId, pod,
          Containers.config("over-root", busybox, "true")
              .addMounts(Mount.newBuilder().setContainerPath(destination).setHostPath(host.toString())))));
      assertThat(host).as("host directory mounted at %s", destination).isEmptyDirectory();
      Files.delete(host);
    }
  }

  /**
   * conmon opens the log file by path and follows links: a link under the pod's log directory
   * led it into another pod's state (or anywhere on the host).
   */
  @Test
  void aLogPathThroughASymlinkOutOfTheLogDirectoryIsRefused() throws IOException {
    Path logs = hostDir();
    Path outside = hostDir();
    var victim = Pods.hostNetwork("victim");
    String victimId = podWithBusybox("victim", victim);
    Path victimDir = root.resolve("sandboxes").resolve(victimId);
    byte[] victimStatus = Files.readAllBytes(victimDir.resolve("status.json"));
    var pod = Pods.hostNetwork("hostile-logs").setLogDirectory(logs.toString());
    String podId = runPod(pod);
    Files.createSymbolicLink(logs.resolve("state"), victimDir);
    Files.createSymbolicLink(logs.resolve("out"), outside);
    for (String logPath : new String[] {"state/status.json", "out/c/0.log", "../x.log", "/etc/x.log"}) {
      refused("log_path", () -> cri.runtime.createContainer(Containers.create(podId, pod,
          Containers.config("logger", busybox, "true").setLogPath(logPath))));
    }
    assertThat(victimDir.resolve("status.json")).hasBinaryContent(victimStatus);
    assertThat(outside).isEmptyDirectory();
    Files.delete(logs.resolve("state"));
    Files.delete(logs.resolve("out"));
    Files.delete(outside);
  }

  /**
   * A FIFO nobody writes held the CRI thread in open() for good, the legacy {@code
   * localhost/<path>} form too: the client saw DEADLINE_EXCEEDED and the thread never came back.
   */
  @Test
  void aSeccompProfileThatIsAFifoIsRefusedAtOnceInBothForms() throws IOException {
    var pod = Pods.hostNetwork("hostile-seccomp");
    String podId = podWithBusybox("hostile-seccomp", pod);
    Path dir = hostDir();
    Path fifo = dir.resolve("fifo");
    dev.podshim.os.FileCalls.mknod(fifo, dev.podshim.os.FileCalls.S_IFIFO, 0600, 0, 0);
    try {
      var current = Containers.config("seccomp", busybox, "true");
      current.getLinuxBuilder().getSecurityContextBuilder().setSeccomp(dev.podshim.cri.v1.SecurityProfile.newBuilder()
          .setProfileType(dev.podshim.cri.v1.SecurityProfile.ProfileType.Localhost).setLocalhostRef(fifo.toString()));
      var legacy = Containers.config("seccomp", busybox, "true");
      legacy.getLinuxBuilder().getSecurityContextBuilder().setSeccompProfilePath("localhost/" + fifo);
      for (var config : java.util.List.of(current, legacy)) {
        refused("seccomp.localhost_ref", () -> cri.runtime.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
            .createContainer(Containers.create(podId, pod, config)));
      }
    } finally {
      // a reader stuck in open() returns once a writer comes
      while (dev.podshim.os.Fifo.writeIfRead(fifo, "x".getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
        Thread.onSpinWait();
      }
      Files.delete(fifo);
      Files.delete(dir);
    }
  }

  /** Pods refused these already; containers took them, a 300 KB label key included. */
  @Test
  void containerNamesAndLabelsHaveThePodsLimits() {
    var pod = Pods.hostNetwork("hostile-names");
    String podId = podWithBusybox("hostile-names", pod);
    for (String name : new String[] {"a/b", "..", "up..", "two\nlines", "n".repeat(300)}) {
      refused("config.metadata.name", () -> cri.runtime.createContainer(Containers.create(podId, pod,
          Containers.config(name, busybox, "true"))));
    }
    refused("config.labels", () -> cri.runtime.createContainer(Containers.create(podId, pod,
        Containers.config("labels", busybox, "true").putLabels("k".repeat(300 << 10), "v"))));
    refused("config.annotations", () -> cri.runtime.createContainer(Containers.create(podId, pod,
        Containers.config("annotations", busybox, "true").putAnnotations("a", "v".repeat(300 << 10)))));
    refused("config.labels", () -> cri.runtime.createContainer(Containers.create(podId, pod,
        Containers.config("labels", busybox, "true").putLabels("", "v"))));
  }

  /**
   * Resource values runc or the kernel refuse, each with the field it must name. Every one came
   * back INTERNAL from runc, or was taken as it was (cpu_quota -5, swap -7, oom_score_adj in Update).
   */
  private static Map<String, java.util.function.Consumer<LinuxContainerResources.Builder>> badResources() {
    Map<String, java.util.function.Consumer<LinuxContainerResources.Builder>> bad = new java.util.LinkedHashMap<>();
    bad.put("cpu_shares -1", r -> r.setCpuShares(-1));
    bad.put("cpu_shares 2^62", r -> r.setCpuShares(1L << 62));
    bad.put("cpu_period 1", r -> r.setCpuPeriod(1));
    bad.put("cpu_quota 1", r -> r.setCpuQuota(1));
    bad.put("cpu_quota -5", r -> r.setCpuQuota(-5));
    bad.put("memory_limit_in_bytes 1", r -> r.setMemoryLimitInBytes(1));
    bad.put("memory_limit_in_bytes 4096", r -> r.setMemoryLimitInBytes(4096));
    bad.put("memory_limit_in_bytes -5", r -> r.setMemoryLimitInBytes(-5));
    bad.put("memory_swap_limit_in_bytes below memory", r -> r.setMemoryLimitInBytes(64 << 20)
        .setMemorySwapLimitInBytes(32 << 20));
    bad.put("memory_swap_limit_in_bytes -7", r -> r.setMemoryLimitInBytes(64 << 20).setMemorySwapLimitInBytes(-7));
    bad.put("cpuset_cpus 0-99999", r -> r.setCpusetCpus("0-99999"));
    bad.put("cpuset_cpus 4095", r -> r.setCpusetCpus("4095"));
    bad.put("cpuset_mems 3", r -> r.setCpusetMems("3"));
    bad.put("hugepage_limits 3MB", r -> r.addHugepageLimits(dev.podshim.cri.v1.HugepageLimit.newBuilder()
        .setPageSize("3MB").setLimit(0)));
    bad.put("oom_score_adj 5000", r -> r.setOomScoreAdj(5000));
    bad.put("oom_score_adj -5000", r -> r.setOomScoreAdj(-5000));
    if (!Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
      bad.put("unified on cgroup v1", r -> r.putUnified("memory.high", "100000000"));
    }
    return bad;
  }

  @Test
  void resourcesRuncWouldRefuseAreInvalidInCreateAndInUpdate() throws Exception {
    var pod = Pods.hostNetwork("hostile-resources");
    String podId = podWithBusybox("hostile-resources", pod);
    String running = createAndStart(podId, pod, Containers.config("running", busybox, "sleep", "60"));
    java.util.List<String> wrong = new java.util.ArrayList<>();
    badResources().forEach((what, spoil) -> {
      String field = what.split(" ")[0];
      var create = Containers.config("bad-" + Math.abs(what.hashCode()), busybox, "true");
      spoil.accept(create.getLinuxBuilder().getResourcesBuilder());
      expectInvalid(wrong, "create " + what, field, () -> cri.runtime.createContainer(
          Containers.create(podId, pod, create)));
      var update = LinuxContainerResources.newBuilder();
      spoil.accept(update);
      expectInvalid(wrong, "update " + what, field, () -> cri.runtime.updateContainerResources(
          dev.podshim.cri.v1.UpdateContainerResourcesRequest.newBuilder().setContainerId(running).setLinux(update)
              .build()));
    });
    assertThat(wrong).as("answers other than INVALID_ARGUMENT naming the field").isEmpty();
  }

  private static void expectInvalid(java.util.List<String> wrong, String what, String field, Runnable call) {
    try {
      call.run();
      wrong.add(what + ": OK");
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Code.INVALID_ARGUMENT || !e.getStatus().getDescription().contains(field)) {
        wrong.add(what + ": " + e.getStatus());
      }
    }
  }

  /** runc refused each of these after it had started, and CreateContainer answered INTERNAL. */
  @Test
  void commandsWorkingDirsAndSeccompProfilesRuncWouldRefuseAreInvalid() throws IOException {
    var pod = Pods.hostNetwork("hostile-process");
    String podId = podWithBusybox("hostile-process", pod);
    Map<String, dev.podshim.cri.v1.ContainerConfig.Builder> bad = new java.util.LinkedHashMap<>();
    bad.put("config.command", Containers.config("empty", busybox, ""));
    bad.put("config.command ", Containers.config("directory", busybox, "/bin"));
    bad.put("config.command  ", Containers.config("missing", busybox, "/bin/no-such-program"));
    bad.put("config.working_dir", Containers.config("cwd", busybox, "true").setWorkingDir("/bin/busybox"));
    Path profiles = hostDir();
    Map<String, String> profileBodies = Map.of(
        "unknown action", "{\"defaultAction\":\"SCMP_ACT_BOGUS\"}",
        "unknown rule action", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
            + "\"action\":\"SCMP_ACT_FOO\"}]}",
        "unknown arch", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_FOO\"]}",
        "notify default", "{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}",
        "notify without listener", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
            + "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
        "syscalls not a list", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":\"x\"}");
    profileBodies.forEach((what, body) -> {
      try {
        Path file = Files.writeString(profiles.resolve(what.replace(' ', '-') + ".json"), body);
        var config = Containers.config("seccomp", busybox, "true");
        config.getLinuxBuilder().getSecurityContextBuilder().setSeccomp(dev.podshim.cri.v1.SecurityProfile.newBuilder()
            .setProfileType(dev.podshim.cri.v1.SecurityProfile.ProfileType.Localhost).setLocalhostRef(file.toString()));
        bad.put("seccomp.localhost_ref" + " ".repeat(bad.size()), config);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    java.util.List<String> wrong = new java.util.ArrayList<>();
    bad.forEach((field, config) -> expectInvalid(wrong, field.trim() + " " + config.getMetadata().getName()
        + " " + config.getCommandList() + " " + config.getLinux().getSecurityContext().getSeccomp().getLocalhostRef(),
        field.trim(), () -> cri.runtime.createContainer(Containers.create(podId, pod, config))));
    assertThat(wrong).as("answers other than INVALID_ARGUMENT naming the field").isEmpty();
    try (var files = Files.list(profiles)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(profiles);
  }

  /** A container of a pod whose pause had died started all the same, outside its pod's processes. */
  @Test
  void startingAContainerWhosePodIsNotReadyIsAFailedPrecondition() throws Exception {
    var pod = Pods.hostNetwork("hostile-start");
    String podId = podWithBusybox("hostile-start", pod);
    String id = create(podId, pod, Containers.config("late", busybox, "sleep", "60"));
    long pause = cri.sandboxes.get(podId).status().pid();
    ProcessHandle.of(pause).ifPresent(ProcessHandle::destroyForcibly);
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (cri.sandboxes.get(podId).status().ready() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThatThrownBy(() -> start(id)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Code.FAILED_PRECONDITION);
      assertThat(e.getStatus().getDescription()).contains("sandbox " + podId + " is not ready");
    });
  }

  /** What only runc can tell (a program looked up in the container's PATH) is the client's fault, with runc's words. */
  @Test
  void aRuntimeRefusalTheRequestCausedIsInvalidArgumentWithTheRuntimesMessage() {
    var pod = Pods.hostNetwork("hostile-path");
    String podId = podWithBusybox("hostile-path", pod);
    assertThatThrownBy(() -> cri.runtime.createContainer(Containers.create(podId, pod,
        Containers.config("nosuch", busybox, "no-such-program"))))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("exec: \"no-such-program\": executable file not found");
        });
  }
}
