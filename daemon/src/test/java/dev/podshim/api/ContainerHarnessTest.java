package dev.podshim.api;

import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.ExecSyncResponse;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.testing.Containers;
import dev.podshim.testing.CriHarnessTest;
import dev.podshim.testing.Pods;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Base of container tests: a registry with a busybox image, pulled into each test's harness. */
abstract class ContainerHarnessTest extends CriHarnessTest {
  @TempDir static Path shared;
  static ImageTestRegistry registry;
  static String busybox;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = ImageTestRegistry.start(shared.resolve("registry"));
    busybox = registry.pushBusybox("test/busybox", "1");
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  void pullBusybox() {
    cri.images.pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(busybox)).build());
  }

  String runPod(PodSandboxConfig.Builder pod) {
    return cri.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
  }

  String create(String podId, PodSandboxConfig.Builder pod, ContainerConfig.Builder config) {
    return cri.runtime.createContainer(Containers.create(podId, pod, config)).getContainerId();
  }

  void start(String id) {
    cri.runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
  }

  String createAndStart(String podId, PodSandboxConfig.Builder pod, ContainerConfig.Builder config) {
    String id = create(podId, pod, config);
    start(id);
    return id;
  }

  ExecSyncResponse exec(String id, long timeout, String... cmd) {
    return cri.runtime.execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
        .setTimeout(timeout).build());
  }

  String out(String id, String... cmd) {
    return exec(id, 10, cmd).getStdout().toStringUtf8().trim();
  }
}
