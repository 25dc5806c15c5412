package dev.podshim.api;

import dev.podshim.cri.v1.Container;
import dev.podshim.cri.v1.ContainerMetadata;
import dev.podshim.cri.v1.ContainerResources;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ContainerStatus;
import dev.podshim.cri.v1.ContainerUser;
import dev.podshim.cri.v1.HugepageLimit;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.LinuxContainerResources;
import dev.podshim.cri.v1.LinuxContainerUser;
import dev.podshim.cri.v1.Mount;
import dev.podshim.cri.v1.MountPropagation;
import dev.podshim.store.ContainerConfig;

/** Domain containers → the CRI's Container (list item) and ContainerStatus. */
final class ContainerMapper {
  private ContainerMapper() {}

  static Container toListItem(dev.podshim.store.Container c) {
    var meta = c.metadata();
    return Container.newBuilder()
        .setId(c.id())
        .setPodSandboxId(meta.sandboxId())
        .setMetadata(metadata(meta.config()))
        .setImage(image(meta))
        .setImageRef(meta.imageRef())
        .setImageId(meta.imageId())
        .setState(state(c.status()))
        .setCreatedAt(meta.createdAtNanos())
        .putAllLabels(meta.config().labels())
        .putAllAnnotations(meta.config().annotations())
        .build();
  }

  static ContainerStatus toStatus(dev.podshim.store.Container c) {
    var meta = c.metadata();
    var status = c.status();
    ContainerStatus.Builder out = ContainerStatus.newBuilder()
        .setId(c.id())
        .setMetadata(metadata(meta.config()))
        .setState(state(status))
        .setCreatedAt(meta.createdAtNanos())
        .setStartedAt(status.startedAtNanos())
        .setFinishedAt(status.finishedAtNanos())
        .setExitCode(status.exitCode())
        .setImage(image(meta))
        .setImageRef(meta.imageRef())
        .setImageId(meta.imageId())
        .setReason(status.reason())
        .setMessage(status.message())
        .putAllLabels(meta.config().labels())
        .putAllAnnotations(meta.config().annotations())
        .setLogPath(meta.logPath())
        .setResources(ContainerResources.newBuilder().setLinux(
            resources(status.resources() != null ? status.resources() : meta.config().resources())));
    for (ContainerConfig.Mount m : meta.config().mounts()) {
      Mount.Builder mount = Mount.newBuilder().setContainerPath(m.containerPath()).setHostPath(m.hostPath())
          .setReadonly(m.readonly()).setRecursiveReadOnly(m.recursiveReadOnly())
          .setPropagation(MountPropagation.forNumber(m.propagation().ordinal()));
      if (m.mountsImage()) { // as the client sent it: kubelet reads the image volume's image back from here
        mount.setImage(ImageSpec.newBuilder().setImage(m.image())).setImageSubPath(m.imageSubPath());
      }
      out.addMounts(mount);
    }
    if (status.user() != null) {
      out.setUser(ContainerUser.newBuilder().setLinux(LinuxContainerUser.newBuilder()
          .setUid(status.user().uid()).setGid(status.user().gid())
          .addAllSupplementalGroups(status.user().supplementalGroups())));
    }
    return out.build();
  }

  /** The name kubectl shows, and the pod's own name for it as kubelet sent it. */
  private static ImageSpec image(dev.podshim.store.ContainerMetadata meta) {
    return ImageSpec.newBuilder().setImage(meta.imageName())
        .setUserSpecifiedImage(meta.config().userSpecifiedImage()).build();
  }

  static LinuxContainerResources resources(ContainerConfig.Resources r) {
    LinuxContainerResources.Builder b = LinuxContainerResources.newBuilder()
        .setCpuPeriod(r.cpuPeriod()).setCpuQuota(r.cpuQuota()).setCpuShares(r.cpuShares())
        .setMemoryLimitInBytes(r.memoryLimitBytes()).setOomScoreAdj(r.oomScoreAdj())
        .setCpusetCpus(r.cpusetCpus()).setCpusetMems(r.cpusetMems()).putAllUnified(r.unified())
        .setMemorySwapLimitInBytes(r.memorySwapLimitBytes());
    r.hugepages().forEach((size, limit) -> b.addHugepageLimits(HugepageLimit.newBuilder().setPageSize(size).setLimit(limit)));
    return b.build();
  }

  static ContainerMetadata metadata(ContainerConfig config) {
    return ContainerMetadata.newBuilder().setName(config.name()).setAttempt(config.attempt()).build();
  }

  private static ContainerState state(dev.podshim.store.ContainerStatus status) {
    return ContainerState.forNumber(status.state().ordinal());
  }
}
