package dev.podshim.testing;

import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ContainerMetadata;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ContainerStatus;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.CreateContainerRequest;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.LinuxContainerConfig;
import dev.podshim.cri.v1.LinuxContainerSecurityContext;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.NamespaceOption;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import java.time.Duration;

/** Container configs as kubelet sends them, and waiting for a container's state. */
public final class Containers {
  private Containers() {}

  public static ContainerConfig.Builder config(String name, String image, String... command) {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setImage(ImageSpec.newBuilder().setImage(image))
        .addAllCommand(java.util.List.of(command))
        .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
            .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))));
  }

  public static CreateContainerRequest create(String sandboxId, PodSandboxConfig.Builder pod,
      ContainerConfig.Builder config) {
    return CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId).setSandboxConfig(pod).setConfig(config)
        .build();
  }

  public static ContainerStatus status(RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime, String id) {
    return runtime.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
  }

  /** Polls until the container is in {@code state}; fails after {@code timeout}. */
  public static ContainerStatus awaitState(RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime, String id,
      ContainerState state, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ContainerStatus status = status(runtime, id);
    while (status.getState() != state) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("container " + id + " is " + status.getState() + ", not " + state + " after "
            + timeout.toMillis() + " ms: " + status);
      }
      Thread.sleep(20);
      status = status(runtime, id);
    }
    return status;
  }
}
