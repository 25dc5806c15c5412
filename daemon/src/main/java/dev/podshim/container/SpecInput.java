package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import dev.podshim.cdi.CdiRegistry;
import dev.podshim.config.CgroupDriver;
import dev.podshim.image.ImageConfig;
import dev.podshim.store.ContainerConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything {@link SpecBuilder} needs to write a container's OCI runtime spec.
 *
 * @param rootfs the mounted overlay rootfs (its /etc/passwd and /etc/group resolve users)
 * @param targetPidns for PID mode TARGET: the target container's /proc/<pid>/ns/pid; null otherwise
 * @param host the node: the capabilities podshimd holds ("ALL" and privileged mean these, never
 *     more), its own oom_score_adj (a lower value is clamped up to it), AppArmor, hugetlb
 * @param cdi the container edits of the CDI devices asked for, in the order to apply them
 */
public record SpecInput(
    String containerId,
    ContainerConfig config,
    ImageConfig image,
    Path rootfs,
    PodContext pod,
    @org.jspecify.annotations.Nullable Path targetPidns,
    CgroupDriver cgroupDriver,
    HostFacts host,
    String runtimeHandler,
    List<CdiRegistry.Edit> cdi) {
  public SpecInput {
    requireNonNull(containerId, "containerId");
    requireNonNull(config, "config");
    requireNonNull(image, "image");
    requireNonNull(rootfs, "rootfs");
    requireNonNull(pod, "pod");
    requireNonNull(cgroupDriver, "cgroupDriver");
    requireNonNull(host, "host");
    requireNonNull(runtimeHandler, "runtimeHandler");
    cdi = List.copyOf(cdi);
  }

  /** No CDI devices. */
  public SpecInput(String containerId, ContainerConfig config, ImageConfig image, Path rootfs, PodContext pod,
      @org.jspecify.annotations.Nullable Path targetPidns, CgroupDriver cgroupDriver, HostFacts host,
      String runtimeHandler) {
    this(containerId, config, image, rootfs, pod, targetPidns, cgroupDriver, host, runtimeHandler, List.of());
  }
}
