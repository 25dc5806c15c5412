package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.CDIDevice;
import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ExecSyncResponse;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CDI devices asked for by CDI_devices and by cdi.k8s.io/ annotations, from spec files in the
 * harness's CDI directories written after the daemon started: what the container sees.
 */
class CdiDevicesTest extends ContainerHarnessTest {
  private PodSandboxConfig.Builder pod;
  private String podId;
  private Path etc;
  private Path run;
  private Path shared;

  @BeforeEach
  void specsPodAndImage() throws IOException {
    etc = cri.config.cdiSpecDirs().get(0);
    run = cri.config.cdiSpecDirs().get(1);
    shared = Files.createDirectories(root.resolve("vendor-share"));
    Files.writeString(shared.resolve("hello"), "from-the-vendor\n");
    Files.createDirectories(etc);
    Files.createDirectories(run);
    Files.writeString(etc.resolve("null.yaml"), """
        cdiVersion: 0.5.0
        kind: podshim.test/null
        containerEdits:
          env: [PODSHIM_CDI=null-spec]
          mounts:
          - {hostPath: %s, containerPath: /opt/vendor, options: [ro, nosuid, nodev, rbind]}
        devices:
        - name: null0
          containerEdits:
            env: [PODSHIM_NULL=null0]
            deviceNodes:
            - {path: /dev/null0, hostPath: /dev/null}
        - name: readonly
          containerEdits:
            deviceNodes:
            - {path: /dev/fuse-ro, hostPath: /dev/fuse, permissions: r}
        """.formatted(shared));
    Files.writeString(run.resolve("zero.json"), """
        {"cdiVersion": "1.0.0", "kind": "podshim.test/zero", "devices": [
          {"name": "zero0", "containerEdits": {"deviceNodes": [{"path": "/dev/zero0", "hostPath": "/dev/zero"}],
            "env": ["PODSHIM_ZERO=zero0"]}}]}
        """);
    pullBusybox();
    pod = Pods.config("cdi");
    podId = runPod(pod);
  }

  private static ContainerConfig.Builder sleeper(String name) {
    return Containers.config(name, busybox, "sleep", "1000");
  }

  private static ContainerConfig.Builder withDevices(ContainerConfig.Builder c, String... names) {
    for (String n : names) {
      c.addCDIDevices(CDIDevice.newBuilder().setName(n));
    }
    return c;
  }

  @Test
  void theContainerSeesTheDeviceNodesTheEnvironmentAndTheMount() {
    ContainerConfig.Builder c = withDevices(sleeper("gpu"), "podshim.test/null=null0")
        .putAnnotations("cdi.k8s.io/podshim-test", "podshim.test/zero=zero0");
    String id = createAndStart(podId, pod, c);

    assertThat(out(id, "stat", "-c", "%F %t:%T", "/dev/null0", "/dev/zero0"))
        .isEqualTo("character special file 1:3\ncharacter special file 1:5");
    assertThat(out(id, "sh", "-c", "echo through > /dev/null0 && head -c 3 /dev/zero0 | od -An -tx1"))
        .isEqualTo("00 00 00");
    assertThat(out(id, "sh", "-c", "echo $PODSHIM_CDI $PODSHIM_NULL $PODSHIM_ZERO"))
        .isEqualTo("null-spec null0 zero0");
    assertThat(out(id, "cat", "/opt/vendor/hello")).isEqualTo("from-the-vendor");
    ExecSyncResponse write = exec(id, 10, "sh", "-c", "echo x > /opt/vendor/new");
    assertThat(write.getExitCode()).as("the vendor's mount is read-only").isNotZero();
  }

  /** /dev/fuse: not among the devices runc always allows (null, zero…), and harmless to open. */
  @Test
  void theDevicesCgroupGrantsOnlyTheSpecsPermissions() {
    assertThat(Path.of("/dev/fuse")).as("this test needs /dev/fuse on the host (modprobe fuse)").exists();
    String id = createAndStart(podId, pod, withDevices(sleeper("ro"), "podshim.test/null=readonly"));
    ExecSyncResponse read = exec(id, 10, "sh", "-c", ": < /dev/fuse-ro");
    assertThat(read.getExitCode()).as(read.getStderr().toStringUtf8()).isZero();
    ExecSyncResponse write = exec(id, 10, "sh", "-c", ": > /dev/fuse-ro");
    assertThat(write.getExitCode()).isNotZero();
    assertThat(write.getStderr().toStringUtf8()).contains("Operation not permitted");
  }

  @Test
  void anUnknownDeviceIsInvalidNamingItsFieldAndCreatesNothing() {
    assertInvalid(withDevices(sleeper("x"), "podshim.test/null=null0", "podshim.test/null=null9"),
        "config.CDI_devices[1].name: unknown CDI device \"podshim.test/null=null9\": no spec file in");
    assertInvalid(sleeper("y").putAnnotations("cdi.k8s.io/x", "podshim.test/nothing=here"),
        "config.annotations[\"cdi.k8s.io/x\"]: unknown CDI device \"podshim.test/nothing=here\"");
    assertInvalid(withDevices(sleeper("z"), "null0"),
        "config.CDI_devices[0].name: \"null0\" is not a qualified CDI device name");
  }

  @Test
  void aDeviceWhoseMountWouldReplaceTheRootIsRefused() throws IOException {
    Files.writeString(run.resolve("evil.yaml"), """
        cdiVersion: 0.3.0
        kind: podshim.test/evil
        devices:
        - name: root
          containerEdits:
            mounts: [{hostPath: %s, containerPath: /, options: [rbind]}]
        """.formatted(shared));
    assertInvalid(withDevices(sleeper("evil"), "podshim.test/evil=root"), "config.CDI_devices[0].name: CDI device "
        + "podshim.test/evil=root (spec " + run.resolve("evil.yaml") + ") mounts[0].containerPath: \"/\" would replace"
        + " the container's root filesystem");
  }

  @Test
  void aSpecFileWrittenWhileTheDaemonRunsIsUsedAndABrokenOneIsSkipped() throws IOException {
    Files.writeString(run.resolve("broken.yaml"), "cdiVersion: 0.3.0\nkind: [");
    String first = createAndStart(podId, pod, withDevices(sleeper("before"), "podshim.test/zero=zero0"));
    assertThat(out(first, "sh", "-c", "echo $PODSHIM_ZERO")).isEqualTo("zero0");
    Files.writeString(run.resolve("zero.json"), Files.readString(run.resolve("zero.json")).replace("=zero0", "=changed"));
    String second = createAndStart(podId, pod, withDevices(sleeper("after"), "podshim.test/zero=zero0"));
    assertThat(out(second, "sh", "-c", "echo $PODSHIM_ZERO")).isEqualTo("changed");
  }

  /** runc runs a createRuntime hook in the runtime's namespaces, with the container's state on stdin. */
  @Test
  void aDevicesHookRunsAndItsGroupsAreTheProcesses() throws IOException {
    Path ran = root.resolve("hook-ran");
    Files.writeString(run.resolve("hooked.yaml"), """
        cdiVersion: 0.7.0
        kind: podshim.test/hooked
        devices:
        - name: h0
          containerEdits:
            hooks:
            - {hookName: createRuntime, path: /bin/sh, args: [sh, -c, "cat > %s"], timeout: 10}
            additionalGids: [4242]
        """.formatted(ran));
    String id = createAndStart(podId, pod, withDevices(sleeper("hooked"), "podshim.test/hooked=h0"));
    assertThat(Files.readString(ran)).as("the state runc gave the hook").contains("\"id\":\"" + id + "\"");
    assertThat(out(id, "id", "-G").split(" ")).contains("4242");
  }

  private void assertInvalid(ContainerConfig.Builder config, String message) {
    assertThatThrownBy(() -> create(podId, pod, config)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
    assertThat(cri.runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
        .as("containers after a refused create").isEmpty();
    assertThat(root.resolve("containers")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }
}
