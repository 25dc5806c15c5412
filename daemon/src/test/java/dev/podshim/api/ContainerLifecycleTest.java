package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.ContainerFilter;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ContainerStateValue;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ExecSyncResponse;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ImageStatusRequest;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.testing.Containers;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Containers under real conmon and runc, in real pod sandboxes, with a busybox image from a local registry. */
class ContainerLifecycleTest extends ContainerHarnessTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private PodSandboxConfig.Builder pod;
  private String podId;

  @BeforeEach
  void podAndImage() {
    pullBusybox();
    pod = Pods.config("app").setLogDirectory(root.resolve("logs/app").toString());
    podId = runPod(pod);
  }

  private String create(dev.podshim.cri.v1.ContainerConfig.Builder config) {
    return create(podId, pod, config);
  }

  @Test
  void runsToCompletionWithItsExitCodeAndCriLog() throws Exception {
    String id = create(Containers.config("job", busybox, "sh", "-c", "echo hello; echo oops >&2; printf partial; exit 3")
        .setLogPath("job/0.log"));
    assertThat(Containers.status(cri.runtime, id).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
    start(id);
    var status = Containers.awaitState(cri.runtime, id, ContainerState.CONTAINER_EXITED, WAIT);
    assertThat(status.getExitCode()).isEqualTo(3);
    assertThat(status.getReason()).isEqualTo("Error");
    assertThat(status.getStartedAt()).isPositive();
    assertThat(status.getFinishedAt()).isGreaterThanOrEqualTo(status.getStartedAt());
    assertThat(status.getLogPath()).isEqualTo(root.resolve("logs/app/job/0.log").toString());
    List<String> lines = Files.readAllLines(Path.of(status.getLogPath()));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("\\S+ stdout F hello"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("\\S+ stderr F oops"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("\\S+ stdout P partial"));
    assertThat(lines.getFirst().split(" ")[0]).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+.*");

    cri.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    assertThatThrownBy(() -> Containers.status(cri.runtime, id)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND));
  }

  /** kubelet creates by image id and names the pod's image beside it; kubectl must show that name. */
  @Test
  void theImageShowsAsThePodNamedItWhenCreatedByIdAsKubeletDoes() {
    String imageId = cri.images.imageStatus(ImageStatusRequest.newBuilder()
        .setImage(ImageSpec.newBuilder().setImage(busybox)).build()).getImage().getId();
    String asKubelet = create(Containers.config("kubelet-made", imageId, "true")
        .setImage(ImageSpec.newBuilder().setImage(imageId).setUserSpecifiedImage("busybox-as-the-pod-says")));
    String byIdAlone = create(Containers.config("by-id", imageId, "true"));

    var status = Containers.status(cri.runtime, asKubelet);
    assertThat(status.getImage().getImage()).isEqualTo("busybox-as-the-pod-says");
    assertThat(status.getImage().getUserSpecifiedImage()).isEqualTo("busybox-as-the-pod-says");
    assertThat(status.getImageId()).isEqualTo(imageId);
    assertThat(status.getImageRef()).startsWith(busybox.replaceFirst(":[^:/]+$", "") + "@sha256:");
    assertThat(cri.runtime.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
        .setId(asKubelet)).build()).getContainers(0).getImage().getImage()).isEqualTo("busybox-as-the-pod-says");
    // crictl by id: the image's tag, as containerd shows it
    assertThat(Containers.status(cri.runtime, byIdAlone).getImage().getImage()).isEqualTo(busybox);
  }

  @Test
  void execSyncStopAndIdempotentRemove() throws Exception {
    String id = create(Containers.config("server", busybox, "sleep", "1000"));
    start(id);
    assertThat(Containers.status(cri.runtime, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);

    ExecSyncResponse hello = exec(id, 10, "sh", "-c", "echo hi; echo there >&2; exit 7");
    assertThat(hello.getStdout().toStringUtf8()).isEqualTo("hi\n");
    assertThat(hello.getStderr().toStringUtf8()).isEqualTo("there\n");
    assertThat(hello.getExitCode()).isEqualTo(7);

    assertThatThrownBy(() -> exec(id, 1, "sleep", "30")).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.DEADLINE_EXCEEDED));
    assertThat(exec(id, 10, "sh", "-c", "ps -o comm | grep -c '^sleep$' || true").getStdout().toStringUtf8().trim())
        .as("only the container's own sleep is left").isEqualTo("1");

    assertThat(cri.registry.get("podshim.containers").tag("state", "running").gauge().value()).isEqualTo(1);
    assertThat(cri.registry.get("podshim.conmon.processes").gauge().value()).isEqualTo(1);
    assertThat(cri.registry.get("podshim.exec.sync.duration").tag("outcome", "timeout").timer().count()).isEqualTo(1);

    var list = cri.runtime.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
        .setPodSandboxId(podId).setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING)))
        .build());
    assertThat(list.getContainersList()).extracting(c -> c.getId()).containsExactly(id);
    List<String> streamed = new java.util.ArrayList<>();
    cri.runtime.streamContainers(dev.podshim.cri.v1.StreamContainersRequest.newBuilder().setFilter(
        ContainerFilter.newBuilder().setId(id.substring(0, 12))).build())
        .forEachRemaining(r -> r.getContainersList().forEach(c -> streamed.add(c.getId())));
    assertThat(streamed).as("by id prefix").containsExactly(id);

    cri.runtime.updateContainerResources(dev.podshim.cri.v1.UpdateContainerResourcesRequest.newBuilder()
        .setContainerId(id).setLinux(dev.podshim.cri.v1.LinuxContainerResources.newBuilder()
            .setMemoryLimitInBytes(64L << 20).setCpuShares(512)).build());
    Path memory = Path.of("/sys/fs/cgroup/memory/podshim", id, "memory.limit_in_bytes");
    assertThat(Files.readString(memory).trim()).as("the live cgroup").isEqualTo(Long.toString(64L << 20));
    assertThat(Containers.status(cri.runtime, id).getResources().getLinux().getCpuShares()).isEqualTo(512);

    // sleep is PID 1 of its namespace: SIGTERM has no handler there, so SIGKILL ends it after the timeout
    cri.runtime.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
    var stopped = Containers.status(cri.runtime, id);
    assertThat(stopped.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(stopped.getExitCode()).isEqualTo(137);
    cri.runtime.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());

    var verbose = cri.runtime.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true)
        .build());
    assertThat(verbose.getInfoMap().get("info")).contains("\"runtimeSpec\"").contains("\"sandboxID\":\"" + podId);

    cri.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    cri.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    assertThat(NodeLeaks.conmonsOf(root)).isEmpty();
  }

  /**
   * A probe's command whose children keep its output open: at the deadline everything the exec
   * started goes (children, background jobs, one that made a session of its own while its parent
   * lived), the answer is DEADLINE_EXCEEDED soon after, and the container itself keeps running.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "sleep 31; echo", "sleep 32 & echo started; sleep 33", "setsid sleep 34 & sleep 35"})
  void execSyncTimeoutKillsEverythingTheCommandStarted(String script) throws Exception {
    String id = create(Containers.config("prober", busybox, "sleep", "1000"));
    start(id);
    long started = System.nanoTime();
    assertThatThrownBy(() -> exec(id, 1, "sh", "-c", script)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Code.DEADLINE_EXCEEDED));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered at the deadline plus a grace")
        .isLessThan(Duration.ofSeconds(5));
    // a killed background job stays a zombie: the container's init (sleep) reaps no orphan
    assertThat(exec(id, 10, "sh", "-c", "cat /proc/[0-9]*/stat | awk '$2 == \"(sleep)\" && $3 != \"Z\"'")
        .getStdout().toStringUtf8().lines()).as("only the container's own sleep is left alive").hasSize(1);
    assertThat(Containers.status(cri.runtime, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
  }

  /**
   * conmon exits when it cannot reopen the log (and its container loses its monitor), so a log
   * directory that was deleted is refused at once, naming the directory, and nothing is asked of
   * conmon; once the directory is back, the log reopens.
   */
  @Test
  void reopenLogWithItsDirectoryDeletedIsFailedPreconditionAndLeavesConmonRunning() throws Exception {
    String id = create(Containers.config("logger", busybox, "sleep", "1000").setLogPath("logger/0.log"));
    start(id);
    Path dir = root.resolve("logs/app/logger");
    dev.podshim.store.EntityStore.deleteTree(dir);
    var reopen = dev.podshim.cri.v1.ReopenContainerLogRequest.newBuilder().setContainerId(id).build();
    long begin = System.nanoTime();
    assertThatThrownBy(() -> cri.runtime.reopenContainerLog(reopen)).isInstanceOfSatisfying(
        StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains(dir.toString());
        });
    assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(2));
    assertThat(NodeLeaks.conmonsOf(root)).as("the container's conmon").hasSize(1);

    Files.createDirectories(dir);
    cri.runtime.reopenContainerLog(reopen);
    assertThat(dir.resolve("0.log")).exists();
    assertThat(Containers.status(cri.runtime, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
  }

  @Test
  void containersOfOnePodShareLocalhostAndShmAndGoWithThePod() throws Exception {
    String a = create(Containers.config("a", busybox, "sh", "-c",
        "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 7000 -h /www"));
    String b = create(Containers.config("b", busybox, "sleep", "1000"));
    start(a);
    start(b);
    assertThat(exec(b, 20, "sh", "-c",
        "for i in $(seq 100); do wget -qO- http://127.0.0.1:7000/index.html && exit 0; sleep 0.1; done; exit 1")
        .getStdout().toStringUtf8()).as("b reaches a's server on the pod's localhost").isEqualTo("hello\n");
    assertThat(exec(a, 10, "sh", "-c", "echo x > /dev/shm/shared").getExitCode()).isZero();
    assertThat(exec(b, 10, "cat", "/dev/shm/shared").getStdout().toStringUtf8())
        .as("containers of one pod share its /dev/shm").isEqualTo("x\n");
    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    assertThat(cri.runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
    assertThat(NodeLeaks.of(root).empty()).as("left: %s", NodeLeaks.of(root)).isTrue();
  }

  @Test
  void badInputIsRefusedAndLeavesNothing() throws Exception {
    assertCode(() -> cri.runtime.createContainer(Containers.create("feedbeef", pod,
        Containers.config("x", busybox, "true"))), Code.NOT_FOUND);
    assertCode(() -> create(Containers.config("x", "127.0.0.1:1/none:1", "true")), Code.NOT_FOUND);
    assertCode(() -> create(Containers.config("x", busybox, "true").addMounts(
        dev.podshim.cri.v1.Mount.newBuilder().setContainerPath("relative").setHostPath(root.toString()))),
        Code.INVALID_ARGUMENT);
    assertCode(() -> create(Containers.config("x", busybox, "true").addMounts(
        dev.podshim.cri.v1.Mount.newBuilder().setContainerPath("/data").setHostPath("/no/such/path"))),
        Code.INVALID_ARGUMENT);
    assertCode(() -> create(Containers.config("x", busybox, "true").setLogPath("../../escape.log")),
        Code.INVALID_ARGUMENT);
    assertCode(() -> create(Containers.config("", busybox, "true")), Code.INVALID_ARGUMENT);
    assertThat(cri.runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
    NodeLeaks leaks = NodeLeaks.of(root);
    assertThat(leaks.containerDirs()).isEmpty();
    assertThat(leaks.conmons()).isEmpty();
    assertThat(leaks.runtimeStates()).isEmpty();
    assertThat(Files.exists(root.resolve("escape.log"))).isFalse();
  }

  private static void assertCode(Runnable call, Code code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code));
  }
}
